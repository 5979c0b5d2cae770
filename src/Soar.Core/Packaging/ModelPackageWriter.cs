using System.Text;
using System.Text.Json.Nodes;
using NuGet.Packaging;
using NuGet.Packaging.Core;
using NuGet.Packaging.Licenses;
using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Stages;
using Soar.Core.Stages.Eval;

namespace Soar.Core.Packaging;

/// <summary>
/// Packs a finished model stage (and optionally its eval stage) into a .nupkg of package type
/// <see cref="ModelPackageLayout.PackageType"/>: checkpoint, stage manifests (lineage), eval metrics and report,
/// a generated model card and soar/package.json with the SHA-256 of every file.
/// </summary>
public static class ModelPackageWriter
{
    /// <summary>Writes the package into <paramref name="outputDir"/> (temp file renamed into place) and returns its path.</summary>
    public static string Write(ModelPackageInfo info, string modelStageDir, string? evalStageDir, string outputDir)
    {
        var modelDir = Path.GetFullPath(modelStageDir);
        var manifestPath = Path.Combine(modelDir, ContentHash.ManifestFileName);
        if (!File.Exists(manifestPath))
            throw new StageException("SOAR2603", $"{modelDir} is not a finished model stage (no {ContentHash.ManifestFileName}); pack the output folder of an sft, soar or flow-grpo stage");
        var checkpointDir = TrainedModel.ResolveCheckpointDir(modelDir);
        if (Path.GetDirectoryName(checkpointDir) != modelDir.TrimEnd(Path.DirectorySeparatorChar))
            throw new StageException("SOAR2603", $"{modelDir}: the checkpoint must be in its {TrainedModel.CheckpointFolder}/ folder");
        CheckpointChecksums.Verify(checkpointDir);
        var modelManifest = StageManifest.Load(manifestPath);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(checkpointDir, CheckpointLayout.Config)))!.AsObject();

        // Package path -> source file; sorted so the package (and its manifest) is the same for the same inputs.
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        files[$"{ModelPackageLayout.ModelFolder}/{ContentHash.ManifestFileName}"] = manifestPath;
        var checkpointFiles = Directory.GetFiles(checkpointDir).Where(f => IsReleased(Path.GetFileName(f))).ToList();
        foreach (var file in checkpointFiles)
            files[$"{ModelPackageLayout.ModelFolder}/{TrainedModel.CheckpointFolder}/{Path.GetFileName(file)}"] = file;

        JsonObject? metrics = null;
        if (evalStageDir is not null)
        {
            var evalDir = Path.GetFullPath(evalStageDir);
            var metricsPath = Path.Combine(evalDir, EvalStage.MetricsFile);
            if (!File.Exists(metricsPath))
                throw new StageException("SOAR2604", $"{evalDir} is not a finished eval stage (no {EvalStage.MetricsFile})");
            metrics = JsonNode.Parse(File.ReadAllText(metricsPath))?.AsObject();
            foreach (var name in new[] { EvalStage.MetricsFile, EvalStage.ReportFile, ContentHash.ManifestFileName })
                if (File.Exists(Path.Combine(evalDir, name))) files[$"{ModelPackageLayout.EvalFolder}/{name}"] = Path.Combine(evalDir, name);
        }

        var readme = Encoding.UTF8.GetBytes(ModelCard.Render(info, config, modelManifest, metrics));
        var content = new PackageContentManifest { Id = info.Id, Version = info.Version.ToNormalizedString(), ModelContentHash = modelManifest.ContentHash };
        foreach (var (target, source) in files) content.Files[target] = ContentHash.OfFile(source);
        content.Files[ModelPackageLayout.Readme] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(readme));

        var builder = new PackageBuilder(deterministic: true)
        {
            // Without a fixed timestamp NuGet stamps every entry with the current time, so packing twice would differ.
            DeterministicTimestamp = ModelPackageLayout.DeterministicTimestamp,
            Id = info.Id,
            Version = info.Version,
            Description = ModelCard.Summary(info, config),
            Readme = ModelPackageLayout.Readme,
        };
        builder.Authors.AddRange(info.Authors.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        builder.PackageTypes.Add(new PackageType(ModelPackageLayout.PackageType, PackageType.EmptyVersion));
        builder.Tags.AddRange(["soar", "text-to-image", "flow-matching", "safetensors"]);
        if (info.License is { } license) builder.LicenseMetadata = License(license, info.Id);
        foreach (var (target, source) in files) builder.Files.Add(new PhysicalPackageFile { SourcePath = source, TargetPath = target });

        Directory.CreateDirectory(outputDir);
        var path = Path.Combine(Path.GetFullPath(outputDir), info.FileName);
        var temp = Imaging.AtomicFile.TempPathFor(path);
        // Generated files go through a staging folder: PackageBuilder reads a file more than once.
        var staging = Path.Combine(Path.GetTempPath(), $"soar-pack-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            File.WriteAllBytes(Path.Combine(staging, "README.md"), readme);
            // The packed checkpoint leaves the optimizer state out, so its checksums.json covers just the released files.
            var checksums = new JsonObject();
            foreach (var file in checkpointFiles.Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)) checksums[file] = ContentHash.OfFile(Path.Combine(checkpointDir, file));
            File.WriteAllText(Path.Combine(staging, CheckpointLayout.Checksums), checksums.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            var checksumsTarget = $"{ModelPackageLayout.ModelFolder}/{TrainedModel.CheckpointFolder}/{CheckpointLayout.Checksums}";
            content.Files[checksumsTarget] = ContentHash.OfFile(Path.Combine(staging, CheckpointLayout.Checksums));
            builder.Files.Add(new PhysicalPackageFile { SourcePath = Path.Combine(staging, CheckpointLayout.Checksums), TargetPath = checksumsTarget });
            File.WriteAllText(Path.Combine(staging, "package.json"), content.ToJson());
            builder.Files.Add(new PhysicalPackageFile { SourcePath = Path.Combine(staging, "README.md"), TargetPath = ModelPackageLayout.Readme });
            builder.Files.Add(new PhysicalPackageFile { SourcePath = Path.Combine(staging, "package.json"), TargetPath = ModelPackageLayout.ContentManifest });
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write)) builder.Save(stream);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        return path;
    }

    /// <summary>Weights, EMA weights, config.json and trainer_state.json: what loading needs (not the optimizer state, nor the stage's checksums that list it).</summary>
    private static bool IsReleased(string file) =>
        file is not (CheckpointLayout.Optimizer or CheckpointLayout.Checksums) && !file.EndsWith(".tmp", StringComparison.Ordinal);

    private static LicenseMetadata License(string license, string id)
    {
        try
        {
            var expression = NuGetLicenseExpression.Parse(license);
            return new LicenseMetadata(LicenseType.Expression, license, expression, warningsAndErrors: null, LicenseMetadata.CurrentVersion);
        }
        catch (Exception e) when (e is NuGetLicenseExpressionParsingException or ArgumentException)
        {
            throw new StageException("SOAR2605", $"License '{license}' of package '{id}' is not an SPDX license expression ({e.Message}); use e.g. MIT or Apache-2.0");
        }
    }
}
