using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Models.Pipeline;
using Soar.Core.Stages;

namespace Soar.Core.Packaging.Bases;

/// <summary>
/// What a model stage's package must reference instead of copying: walks from the stage through the LoRA stages it was
/// trained on (each found beside it in the output root, its content hash the one recorded) down to their root, a model
/// package or a diffusers pipeline folder. <see cref="Links"/> empty means full weights are packed; <see cref="WhyFull"/>
/// then says why a LoRA stage could not be packed as its adapters alone.
/// Errors (SOAR2656) name what could not be referenced and what to do.
/// </summary>
public sealed record PackagedLineage(BaseReference? Base, IReadOnlyList<string> Links, string? WhyFull)
{
    private const string PackageParameter = "ModelPackage";
    private const string PinParameter = "PackageContentHash";

    public static PackagedLineage Of(string modelDir, string? projectDir)
    {
        var links = new List<string>();
        for (var dir = modelDir; ;)
        {
            var manifest = StageManifest.Load(Path.Combine(dir, ContentHash.ManifestFileName));
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, TrainedModel.CheckpointFolder, CheckpointLayout.Config)))!.AsObject();
            var pipeline = config["model"]?["architecture"]?.GetValue<string>() == SD3PipelineConfig.Name ? config["model"]?["Pipeline"]?.GetValue<string>() : null;
            if (config["model"]?["Lora"]?.GetValue<string>() is null)
                return new(pipeline is null ? null : PipelineRoot(manifest, config, pipeline, projectDir), [],
                    links.Count == 0 ? null : $"its base '{manifest.Name}' is a stage of this project trained on every weight, which no package or diffusers folder holds");
            links.Insert(0, dir);
            var package = manifest.Parameters.GetValueOrDefault(PackageParameter) ?? "";
            // A pipeline base starts the lineage; a package base brings its own lineage along.
            if (package.Length > 0 && pipeline is not null && (config["lineage"] as JsonArray)?.Count == 1)
                return new(PipelineRoot(manifest, config, pipeline, projectDir), links, null);
            if (package.Length > 0) return new(PackageRoot(manifest, package, dir, projectDir), links, null);
            if (config["base_model"]?.GetValue<string>() is not { } baseName)
                return new(pipeline is null ? null : PipelineRoot(manifest, config, pipeline, projectDir), [],
                    $"'{manifest.Name}' trained its adapters on a freshly initialised model, whose base weights no package or diffusers folder holds");
            dir = BaseStage(manifest, baseName, dir);
        }
    }

    /// <summary>The upstream stage the LoRA stage trained on: beside it, with the content hash its manifest recorded.</summary>
    private static string BaseStage(StageManifest manifest, string baseName, string dir)
    {
        var input = manifest.Inputs.FirstOrDefault(i => i.Name == baseName);
        var baseDir = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar))!, baseName);
        var basePath = Path.Combine(baseDir, ContentHash.ManifestFileName);
        if (input is null || !File.Exists(basePath) || StageManifest.Load(basePath).ContentHash != input.ContentHash)
            throw new StageException("SOAR2656", $"'{manifest.Name}' was trained on stage '{baseName}', but {baseDir} is missing or is not that stage's output any more (content hash differs); build the project again so '{manifest.Name}' matches its base, then package");
        return baseDir;
    }

    private static BaseReference PipelineRoot(StageManifest manifest, JsonObject config, string folderPath, string? projectDir)
    {
        // A stage restored from another machine (SOAR_RUN_CACHE) recorded that machine's path: the project's own folder then.
        if (!Directory.Exists(folderPath) && projectDir is not null && manifest.Parameters.GetValueOrDefault(PackageParameter) is { Length: > 0 } named)
            folderPath = Path.GetFullPath(Path.Combine(projectDir, named));
        SD3PipelineFolder folder;
        try { folder = SD3PipelineFolder.Open(folderPath); }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new StageException("SOAR2656", $"'{manifest.Name}' was trained on the diffusers pipeline folder {folderPath}, which is needed to record its content hash: {e.Message}", e);
        }
        var hashes = PipelineHashes.Of(folder);
        if (hashes.Vae != config["model"]?["VaeHash"]?.GetValue<string>() || hashes.TextEncoders != config["model"]?["TextEncodersHash"]?.GetValue<string>())
            throw new StageException("SOAR2656", $"the diffusers pipeline folder {folderPath} changed since '{manifest.Name}' was trained on it (its VAE or text encoders differ); build the project again, then package");
        return new BaseReference { Kind = BaseReference.PipelineKind, ContentHash = hashes.ContentHash, Pipeline = hashes, PipelineName = Path.GetFileName(folder.Dir) };
    }

    /// <summary>A base package: its content hash from the stage's pin, else from the soar.packages.lock.json its restore wrote.</summary>
    private static BaseReference PackageRoot(StageManifest manifest, string package, string dir, string? projectDir)
    {
        var reference = ModelPackageReference.Parse(package, $"stage '{manifest.Name}': {PackageParameter}");
        var pin = manifest.Parameters.GetValueOrDefault(PinParameter) ?? "";
        var lockFiles = new[] { projectDir }.Concat(Ancestors(dir)).OfType<string>().Select(d => Path.Combine(d, PackageLockFile.FileName)).Distinct();
        var hash = pin.Length > 0 ? pin.ToLowerInvariant() : lockFiles.Where(File.Exists)
            .Select(f => PackageLockFile.Read(f).FirstOrDefault(e => e.Id.Equals(reference.Id, StringComparison.OrdinalIgnoreCase) && e.Version == reference.Version)?.ContentHash)
            .FirstOrDefault(h => h is not null)
            ?? throw new StageException("SOAR2656", $"'{manifest.Name}' was trained on model package {reference.Id} {reference.Version}, but no {PackageLockFile.FileName} beside the project records its content hash; build the project (its restore writes it), or set PackageContentHash on the stage, then package");
        return new BaseReference { Kind = BaseReference.PackageKind, Id = reference.Id, Version = reference.Version, ContentHash = hash };
    }

    private static IEnumerable<string> Ancestors(string dir)
    {
        for (var d = Path.GetDirectoryName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar)); d is not null; d = Path.GetDirectoryName(d)) yield return d;
    }
}
