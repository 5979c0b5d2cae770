using System.Text;
using System.Text.Json.Nodes;
using NuGet.Packaging;
using NuGet.Packaging.Core;
using NuGet.Packaging.Licenses;
using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Packaging.Bases;
using Soar.Core.Stages;
using Soar.Core.Stages.Eval;

namespace Soar.Core.Packaging;

/// <summary>
/// Packs a finished model stage (and optionally its eval stage) into a .nupkg of package type
/// <see cref="ModelPackageLayout.PackageType"/>: checkpoint (or LoRA adapters and a reference to their base), stage
/// manifests (lineage), eval metrics and report, a generated model card and soar/package.json with the SHA-256 of every file.
/// </summary>
public static class ModelPackageWriter
{
    /// <summary>
    /// Writes the package into <paramref name="outputDir"/> (temp file renamed into place) and returns its path. A LoRA
    /// stage whose lineage ends in a model package or a diffusers folder is packed as its adapters alone with
    /// soar/base.json naming that base (<see cref="PackagedLineage"/>); anything else as full weights. Either is refused
    /// (SOAR2655) past <paramref name="maxMegabytes"/>.
    /// </summary>
    public static string Write(ModelPackageInfo info, string modelStageDir, string? evalStageDir, string outputDir,
        int maxMegabytes = PackageSizeLimit.DefaultMegabytes, string? projectDir = null)
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
        var lineage = PackagedLineage.Of(modelDir, projectDir);

        Directory.CreateDirectory(outputDir);
        var path = Path.Combine(Path.GetFullPath(outputDir), info.FileName);
        var temp = Imaging.AtomicFile.TempPathFor(path);
        // Generated files go through a staging folder: PackageBuilder reads a file more than once.
        var staging = Path.Combine(Path.GetTempPath(), $"soar-pack-{Guid.NewGuid():N}");
        try
        {
            // Package path -> source file; sorted so the package (and its manifest) is the same for the same inputs.
            var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (lineage.Links.Count == 0) AddStage(files, modelDir, ModelPackageLayout.ModelFolder, staging, adapters: false);
            var links = new List<string>();
            foreach (var link in lineage.Links)
            {
                var folder = link == lineage.Links[^1] ? ModelPackageLayout.ModelFolder : $"{ModelPackageLayout.BasesFolder}/{Path.GetFileName(link)}";
                AddStage(files, link, folder, staging, adapters: true);
                links.Add(folder);
            }

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

            var baseReference = lineage.Base is null ? null : lineage.Base with { Links = links };
            Stage(files, staging, ModelPackageLayout.Readme, ModelCard.Render(info, config, modelManifest, metrics, baseReference));
            if (baseReference is not null) Stage(files, staging, BaseReference.FileName, baseReference.ToJson());
            PackageSizeLimit.Check(files, maxMegabytes, modelManifest.Name, lineage.WhyFull);

            var content = new PackageContentManifest
            {
                Id = info.Id, Version = info.Version.ToNormalizedString(), ModelContentHash = modelManifest.ContentHash,
                // Readers of format /1 would look for full weights an adapter package does not hold.
                Format = links.Count > 0 ? PackageContentManifest.AdapterFormat : PackageContentManifest.CurrentFormat,
            };
            foreach (var (target, source) in files) content.Files[target] = ContentHash.OfFile(source);
            Stage(files, staging, ModelPackageLayout.ContentManifest, content.ToJson());

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

    /// <summary>
    /// A stage folder under <paramref name="folder"/>: its manifest and released checkpoint files, the weights whole or
    /// (<paramref name="adapters"/>) as their LoRA tensors alone in adapter/, with its lora/ export; a checksums.json over what is packed.
    /// </summary>
    private static void AddStage(SortedDictionary<string, string> files, string stageDir, string folder, string staging, bool adapters)
    {
        var checkpointDir = Path.Combine(stageDir, TrainedModel.CheckpointFolder);
        files[$"{folder}/{ContentHash.ManifestFileName}"] = Path.Combine(stageDir, ContentHash.ManifestFileName);
        var checksums = new JsonObject();
        foreach (var file in Directory.GetFiles(checkpointDir).Select(f => Path.GetFileName(f)).Where(IsReleased).Order(StringComparer.Ordinal))
        {
            var source = Path.Combine(checkpointDir, file);
            if (adapters && file is CheckpointLayout.Model or CheckpointLayout.Ema)
            {
                var target = $"{folder}/{AdapterWeights.Folder}/{file}";
                AdapterWeights.Extract(source, Path.Combine(staging, target));
                files[target] = Path.Combine(staging, target);
                continue;
            }
            files[$"{folder}/{TrainedModel.CheckpointFolder}/{file}"] = source;
            checksums[file] = ContentHash.OfFile(source);
        }
        // The packed checkpoint leaves the optimizer state (and an adapter package the weights) out, so its checksums.json covers just what is packed.
        Stage(files, staging, $"{folder}/{TrainedModel.CheckpointFolder}/{CheckpointLayout.Checksums}", checksums.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        var loraDir = Path.Combine(stageDir, Stages.Training.LoraParameter.Folder);
        if (adapters && folder == ModelPackageLayout.ModelFolder && Directory.Exists(loraDir))
            foreach (var file in Directory.GetFiles(loraDir).Order(StringComparer.Ordinal))
                files[$"{folder}/{Stages.Training.LoraParameter.Folder}/{Path.GetFileName(file)}"] = file;
    }

    /// <summary>Writes a generated file into the staging folder and lists it at <paramref name="target"/>.</summary>
    private static void Stage(SortedDictionary<string, string> files, string staging, string target, string text)
    {
        var source = Path.Combine(staging, target);
        Directory.CreateDirectory(Path.GetDirectoryName(source)!);
        File.WriteAllBytes(source, Encoding.UTF8.GetBytes(text));
        files[target] = source;
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
