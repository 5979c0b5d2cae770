using NuGet.Common;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>
/// A model stage input given as a package: ModelPackage="Contoso.Shapes.Base/1.0.0" with PackageSource="feed" on a
/// training or sample stage (without PackageSource: the first NuGet.config source that has it). The package is restored
/// into the package cache and verified before use.
/// </summary>
public static class ModelPackageInput
{
    public const string PackageParameter = "ModelPackage";
    public const string SourceParameter = "PackageSource";
    /// <summary>The content hash the consumer expects (`soar pack` prints it; &lt;BaseModel ContentHash="..."&gt; sets it).</summary>
    public const string ContentHashParameter = "PackageContentHash";

    /// <summary>The model input: <paramref name="upstream"/> when no ModelPackage is set, else the restored package; both is an error.</summary>
    public static StageInput? Resolve(StageContext context, StageInput? upstream)
    {
        var text = context.String(PackageParameter);
        if (text.Length == 0) return upstream;
        if (upstream is not null)
            throw new StageException("SOAR2633", $"stage '{context.Name}': it has an upstream model '{upstream.Name}' and {PackageParameter}={text}; keep one of them");
        var projectDir = context.Spec.ProjectPath is { } project ? Path.GetDirectoryName(Path.GetFullPath(project)) : null;
        if (PipelineFolder(context, text, projectDir ?? Environment.CurrentDirectory) is { } pipeline) return pipeline;
        var reference = ModelPackageReference.Parse(text, $"stage '{context.Name}': {PackageParameter}");
        var workingDir = projectDir ?? Environment.CurrentDirectory;
        var source = context.String(SourceParameter);
        var feed = source.Length > 0 ? ModelFeed.Resolve(source, workingDir) : FirstFeedWith(reference, workingDir, context.Name);
        var restored = feed.RestoreAsync(reference.Id, reference.Version, ModelPackageReference.CacheRoot(projectDir), NullLogger.Instance, CancellationToken.None)
            .GetAwaiter().GetResult();
        if (restored.CacheNote is { } note) context.Log.Warning("SOAR2627", $"model package {reference.Id} {reference.Version}: {note}");
        CheckPin(context, reference, restored);
        if (projectDir is not null) PackageLockFile.Enforce(projectDir, restored);
        context.Log.Info($"model package {reference.Id} {reference.Version} from {feed.Source.Source}: verified, content hash {restored.ContentHash} (recomputed from its files), {restored.Signature}");
        var baseFolder = context.String(PipelineParameter);
        var lookup = new Bases.BaseLookup(BaseFeeds(feed, workingDir), ModelPackageReference.CacheRoot(projectDir),
            baseFolder.Length == 0 ? null : Path.GetFullPath(Path.Combine(workingDir, baseFolder)), projectDir, context.Log.Info);
        return new StageInput { Name = $"{reference.Id}/{reference.Version}", Kind = "package", Dir = Bases.BaseResolver.ModelDirOf(restored, lookup) };
    }

    /// <summary>The diffusers folder a package trained on one is rebuilt on (&lt;BaseModel Pipeline="..."&gt; sets it).</summary>
    public const string PipelineParameter = "PackagePipeline";

    /// <summary>Where a package's base package is looked for: the package's own feed, then the NuGet.config feeds.</summary>
    public static IReadOnlyList<ModelFeed> BaseFeeds(ModelFeed feed, string workingDir) =>
        [feed, .. ModelFeed.Configured(workingDir).Where(f => f.Source.Source != feed.Source.Source)];

    /// <summary>Kind of the input a diffusers pipeline folder becomes.</summary>
    public const string PipelineKind = "diffusers";

    /// <summary>
    /// ModelPackage naming a folder (relative to the project) instead of Id/Version: a diffusers pipeline, checked
    /// (model_index.json and every folder it names); SOAR2634 says what is wrong. Null when the value names no folder.
    /// </summary>
    private static StageInput? PipelineFolder(StageContext context, string text, string baseDir)
    {
        var full = Path.GetFullPath(Path.Combine(baseDir, text));
        if (!Directory.Exists(full)) return null;
        try { Models.Pipeline.SD3PipelineFolder.Open(full); }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new StageException("SOAR2634", $"stage '{context.Name}': {PackageParameter}=\"{text}\" (or <BaseModel>) names a folder that is not a usable diffusers pipeline: {e.Message}", e);
        }
        return new StageInput { Name = text, Kind = PipelineKind, Dir = full };
    }

    private static void CheckPin(StageContext context, ModelPackageReference reference, ExtractedModelPackage restored)
    {
        var pin = context.String(ContentHashParameter).Trim();
        if (pin.Length == 0) return;
        if (!pin.Equals(restored.ContentHash, StringComparison.OrdinalIgnoreCase))
            throw new StageException("SOAR2618", $"stage '{context.Name}': model package {reference.Id} {reference.Version} has content hash {restored.ContentHash}, but {ContentHashParameter} (ContentHash on <BaseModel>) pins {pin}; the package is not the one the project expects. If the new package is intended, set the pin to {restored.ContentHash}");
    }

    /// <summary>Without PackageSource, the NuGet.config sources are searched in order, as a restore would.</summary>
    private static ModelFeed FirstFeedWith(ModelPackageReference reference, string workingDir, string stage)
    {
        var feeds = ModelFeed.Configured(workingDir);
        if (feeds.Count == 0)
            throw new StageException("SOAR2632", $"stage '{stage}': {PackageParameter}={reference.Id}/{reference.Version} has no feed: set {SourceParameter}=<feed> or add a package source to NuGet.config");
        var version = NuGet.Versioning.NuGetVersion.Parse(reference.Version);
        foreach (var feed in feeds)
            if (feed.VersionsAsync(reference.Id, NullLogger.Instance, CancellationToken.None).GetAwaiter().GetResult().Contains(version)) return feed;
        throw new StageException("SOAR2625", $"stage '{stage}': no NuGet.config feed has {reference.Id} {reference.Version}; searched {string.Join(", ", feeds.Select(f => f.Source.Source))}");
    }
}
