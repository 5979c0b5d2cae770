using NuGet.Common;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>
/// A model stage input given as a package: ModelPackage="Contoso.Shapes.Base/1.0.0" with PackageSource="feed" on a
/// training or sample stage. The package is restored from the feed into the package cache and verified before use.
/// </summary>
public static class ModelPackageInput
{
    public const string PackageParameter = "ModelPackage";
    public const string SourceParameter = "PackageSource";

    /// <summary>The model input: <paramref name="upstream"/> when no ModelPackage is set, else the restored package; both is an error.</summary>
    public static StageInput? Resolve(StageContext context, StageInput? upstream)
    {
        var text = context.String(PackageParameter);
        if (text.Length == 0) return upstream;
        if (upstream is not null)
            throw new StageException("SOAR2633", $"stage '{context.Name}': it has an upstream model '{upstream.Name}' and {PackageParameter}={text}; keep one of them");
        var source = context.String(SourceParameter);
        if (source.Length == 0)
            throw new StageException("SOAR2632", $"stage '{context.Name}': {PackageParameter}={text} needs {SourceParameter}=<feed> (a NuGet.config source name, URL or folder)");
        var reference = ModelPackageReference.Parse(text, $"stage '{context.Name}': {PackageParameter}");
        var projectDir = context.Spec.ProjectPath is { } project ? Path.GetDirectoryName(Path.GetFullPath(project)) : null;
        var feed = ModelFeed.Resolve(source, projectDir ?? Environment.CurrentDirectory);
        var restored = feed.RestoreAsync(reference.Id, reference.Version, ModelPackageReference.CacheRoot(projectDir), NullLogger.Instance, CancellationToken.None)
            .GetAwaiter().GetResult();
        context.Log.Info($"model package {reference.Id} {reference.Version} from {feed.Source.Source}: verified, model content hash {restored.ModelContentHash}");
        return new StageInput { Name = $"{reference.Id}/{reference.Version}", Kind = "package", Dir = restored.ModelDir };
    }
}
