using System.Text.Json;
using System.Text.Json.Nodes;
using NuGet.Common;
using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Models.Pipeline;
using Soar.Core.Models.SD3;
using Soar.Core.Stages;
using Soar.Core.Stages.Training;

namespace Soar.Core.Packaging.Bases;

/// <summary>
/// Makes a restored package usable: a package with soar/base.json is rebuilt on its base into a stage folder beside the
/// package (&lt;cache&gt;/id/version.model-&lt;key&gt;), every LoRA stage's weights loaded from its base as its training did and
/// its adapters added, each file checked against the SHA-256 its stage recorded; an sd3-pipeline model's config then
/// names the consumer's pipeline folder, not the producer's. A package without base.json is used as it is.
/// Errors: SOAR2650 no pipeline folder given, SOAR2651 its content hash differs, SOAR2652 base package on no feed,
/// SOAR2653 base package's content hash differs, SOAR2654 the rebuilt weights are not the recorded ones.
/// </summary>
public static class BaseResolver
{
    /// <summary>The key a rebuilt folder was made for (package, base, folder): another key is rebuilt.</summary>
    private const string StampFile = "base.key";

    /// <summary>The model stage folder to use for <paramref name="package"/>: its own, or the one rebuilt on its base.</summary>
    public static string ModelDirOf(ExtractedModelPackage package, BaseLookup lookup)
    {
        var label = $"model package {package.Id} {package.Version}";
        var reference = BaseReference.Read(package.Dir, label);
        if (reference is null) return package.ModelDir;
        var (pipelineDir, baseModelDir) = reference.Kind == BaseReference.PipelineKind
            ? (RequirePipeline(label, reference, lookup), (string?)null)
            : ((string?)null, RestoreBase(label, reference, lookup));
        var key = ContentHash.Combine([KeyValuePair.Create("package", package.ContentHash), KeyValuePair.Create("base", reference.ContentHash),
            KeyValuePair.Create("at", pipelineDir ?? baseModelDir!)]);
        var target = $"{package.Dir}.model-{key[..16]}";
        if (IsBuilt(target, key)) return target;
        var temp = $"{target}.tmp-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            Build(package, reference, pipelineDir, baseModelDir, temp, label);
            File.WriteAllText(Path.Combine(temp, StampFile), key);
            if (Directory.Exists(target) && !IsBuilt(target, key)) Directory.Delete(target, recursive: true);
            if (!Directory.Exists(target)) Directory.Move(temp, target);
        }
        catch (IOException) when (IsBuilt(target, key)) { } // another worker of the build moved the same folder in first
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
        lookup.Log($"{label}: rebuilt on {reference.Describe()}{(pipelineDir is null ? "" : $" at {pipelineDir}")} into {target}");
        return target;
    }

    private static bool IsBuilt(string target, string key)
    {
        var stamp = Path.Combine(target, StampFile);
        if (!File.Exists(stamp) || File.ReadAllText(stamp) != key) return false;
        try { CheckpointChecksums.Verify(Path.Combine(target, TrainedModel.CheckpointFolder)); return true; }
        catch (InvalidDataException) { return false; }
    }

    private static string RequirePipeline(string label, BaseReference reference, BaseLookup lookup)
    {
        var what = reference.Links.Count > 0 ? "LoRA adapters over" : "a model whose VAE and text encoders are those of";
        if (lookup.PipelineDir is null)
            throw new StageException("SOAR2650", $"{label} holds {what} {reference.Describe()}, which is not in the package; point to your copy with {lookup.PipelineHint} (its content hash must be {reference.ContentHash})");
        SD3PipelineFolder folder;
        try { folder = SD3PipelineFolder.Open(lookup.PipelineDir); }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new StageException("SOAR2650", $"{label} needs {reference.Describe()}, but {lookup.PipelineDir} is not a usable diffusers pipeline: {e.Message}", e);
        }
        var hashes = PipelineHashes.Of(folder);
        // Full weights need only the folder's VAE and text encoders; adapters need its transformer too.
        bool fits = reference.Links.Count > 0 ? hashes.ContentHash == reference.ContentHash
            : hashes.Vae == reference.Pipeline!.Vae && hashes.TextEncoders == reference.Pipeline.TextEncoders;
        if (!fits)
            throw new StageException("SOAR2651", $"{label} holds {what} the diffusers pipeline with content hash {reference.ContentHash}, but {folder.Dir} has content hash {hashes.ContentHash} (its {hashes.Differences(reference.Pipeline!, reference.Links.Count > 0)} differ): it is not the folder the model was trained on. Point {lookup.PipelineHint} at that folder (the producer's was named '{reference.PipelineName}'), or train on yours");
        return folder.Dir;
    }

    /// <summary>The base package restored from the first feed that has it, its content hash the one recorded, itself rebuilt on its base if it has one.</summary>
    private static string RestoreBase(string label, BaseReference reference, BaseLookup lookup)
    {
        var version = NuGet.Versioning.NuGetVersion.Parse(reference.Version!);
        foreach (var feed in lookup.Feeds)
        {
            if (!feed.VersionsAsync(reference.Id!, NullLogger.Instance, CancellationToken.None).GetAwaiter().GetResult().Contains(version)) continue;
            var restored = feed.RestoreAsync(reference.Id!, reference.Version!, lookup.CacheRoot, NullLogger.Instance, CancellationToken.None).GetAwaiter().GetResult();
            if (restored.ContentHash != reference.ContentHash)
                throw new StageException("SOAR2653", $"{label} holds LoRA adapters over {reference.Describe()}, but {feed.Source.Source} serves {reference.Id} {reference.Version} with content hash {restored.ContentHash}: not the base it was trained on. Restore the original {reference.Id} {reference.Version} to that feed (packages must not change under one version), or retrain on the new one");
            if (lookup.ProjectDir is not null) PackageLockFile.Enforce(lookup.ProjectDir, restored);
            lookup.Log($"{label}: base {reference.Describe()} from {feed.Source.Source}: verified");
            return ModelDirOf(restored, lookup);
        }
        throw new StageException("SOAR2652", $"{label} holds LoRA adapters over {reference.Describe()}, which is not in the package and which no feed has (searched {string.Join(", ", lookup.Feeds.Select(f => f.Source.Source))}); push {reference.Id} {reference.Version} to one of them, or add the feed that has it to NuGet.config");
    }

    private static void Build(ExtractedModelPackage package, BaseReference reference, string? pipelineDir, string? baseModelDir, string temp, string label)
    {
        var links = Path.Combine(temp, ".links");
        var previous = baseModelDir is null ? null : Path.Combine(baseModelDir, TrainedModel.CheckpointFolder);
        foreach (var link in reference.Links)
        {
            var output = link == ModelPackageLayout.ModelFolder ? Path.Combine(temp, TrainedModel.CheckpointFolder) : Path.Combine(links, Path.GetFileName(link));
            RebuildLink(Path.Combine(package.Dir, link), output, previous, pipelineDir, label);
            previous = output;
        }
        if (reference.Links.Count == 0) CopyFull(Path.Combine(package.ModelDir, TrainedModel.CheckpointFolder), Path.Combine(temp, TrainedModel.CheckpointFolder), pipelineDir!);
        if (Directory.Exists(links)) Directory.Delete(links, recursive: true);
        File.Copy(Path.Combine(package.ModelDir, ContentHash.ManifestFileName), Path.Combine(temp, ContentHash.ManifestFileName));
        var lora = Path.Combine(package.ModelDir, LoraParameter.Folder);
        if (Directory.Exists(lora))
        {
            Directory.CreateDirectory(Path.Combine(temp, LoraParameter.Folder));
            foreach (var file in Directory.GetFiles(lora)) File.Copy(file, Path.Combine(temp, LoraParameter.Folder, Path.GetFileName(file)));
        }
    }

    /// <summary>One LoRA stage's checkpoint: its base's weights loaded as its training loaded them, then its adapters (trained and EMA).</summary>
    private static void RebuildLink(string linkDir, string output, string? previous, string? pipelineDir, string label)
    {
        var manifest = StageManifest.Load(Path.Combine(linkDir, ContentHash.ManifestFileName));
        var checkpoint = Path.Combine(linkDir, TrainedModel.CheckpointFolder);
        foreach (var file in new[] { CheckpointLayout.Config, CheckpointLayout.TrainerState })
            Expect(Path.Combine(checkpoint, file), manifest, file, label);
        var config = WithPipeline(File.ReadAllText(Path.Combine(checkpoint, CheckpointLayout.Config)), pipelineDir);
        var (architecture, _) = TrainedModel.ReadArchitecture(JsonNode.Parse(config)!.AsObject(), checkpoint);
        using var model = ModelRegistry.Create(architecture);
        if (previous is null)
            DiffusersFolder.LoadWeightsInto(SD3PipelineFolder.Open(pipelineDir!).TransformerDir, ((SD3PipelineModel)model).Transformer);
        else
        {
            var reader = CheckpointReader.Open(previous);
            var (baseArchitecture, _) = TrainedModel.ReadArchitecture(reader.Config, reader.Directory);
            // As the stage loaded its base: training stages take its EMA weights when it has them, flow-grpo when UseEma.
            bool useEma = reader.HasEma && (manifest.Kind != "flow-grpo" || bool.TryParse(manifest.Parameters.GetValueOrDefault("UseEma"), out var ema) && ema);
            LoraParameter.LoadBase(reader, baseArchitecture, model, useEma);
        }
        Directory.CreateDirectory(output);
        foreach (var file in new[] { CheckpointLayout.Model, CheckpointLayout.Ema })
        {
            var adapters = Path.Combine(linkDir, AdapterWeights.Folder, file);
            if (!File.Exists(adapters)) continue;
            AdapterWeights.LoadInto(adapters, model);
            ModuleWeights.Save(Path.Combine(output, file), model);
            Expect(Path.Combine(output, file), manifest, file, label, rebuilt: true);
        }
        File.WriteAllText(Path.Combine(output, CheckpointLayout.Config), config);
        File.Copy(Path.Combine(checkpoint, CheckpointLayout.TrainerState), Path.Combine(output, CheckpointLayout.TrainerState));
        File.WriteAllText(Path.Combine(output, CheckpointLayout.Checksums), CheckpointChecksums.Compute(output).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>A full sd3-pipeline checkpoint as packed, its config naming the consumer's pipeline folder.</summary>
    private static void CopyFull(string checkpoint, string output, string pipelineDir)
    {
        Directory.CreateDirectory(output);
        foreach (var file in Directory.GetFiles(checkpoint).Where(f => Path.GetFileName(f) != CheckpointLayout.Checksums))
            File.Copy(file, Path.Combine(output, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(output, CheckpointLayout.Config), WithPipeline(File.ReadAllText(Path.Combine(checkpoint, CheckpointLayout.Config)), pipelineDir));
        File.WriteAllText(Path.Combine(output, CheckpointLayout.Checksums), CheckpointChecksums.Compute(output).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>config.json with an sd3-pipeline model's Pipeline set to <paramref name="pipelineDir"/> (unchanged without one).</summary>
    private static string WithPipeline(string config, string? pipelineDir)
    {
        if (pipelineDir is null) return config;
        var json = JsonNode.Parse(config)!.AsObject();
        if (json["model"] is JsonObject model && model["architecture"]?.GetValue<string>() == SD3PipelineConfig.Name) model["Pipeline"] = pipelineDir;
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static void Expect(string file, StageManifest manifest, string name, string label, bool rebuilt = false)
    {
        var recorded = manifest.Outputs.GetValueOrDefault($"{TrainedModel.CheckpointFolder}/{name}")?.Sha256;
        var actual = ContentHash.OfFile(file);
        if (recorded == actual) return;
        throw new StageException(rebuilt ? "SOAR2654" : "SOAR2613", rebuilt
            ? $"{label}: stage '{manifest.Name}' rebuilt on its base gives {name} with SHA-256 {actual}, but the stage recorded {recorded}: the base is not the one it was trained on, or the package is damaged; do not use it"
            : $"{label}: {name} of stage '{manifest.Name}' differs from the file the stage wrote (SHA-256 {actual}, its manifest records {recorded}); the package was tampered with, do not use it");
    }
}
