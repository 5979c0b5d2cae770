namespace Soar.Core.Packaging;

/// <summary>Where things live inside a model .nupkg. The model folder mirrors a finished stage folder so it can be an upstream as is.</summary>
public static class ModelPackageLayout
{
    /// <summary>The NuGet package type that marks a .nupkg as a Soar model, so no tool mistakes it for a library.</summary>
    public const string PackageType = "SoarModel";
    public const string Readme = "README.md";
    /// <summary>File -> SHA-256 of every other file in the package (the package's own manifest, checked on extraction).</summary>
    public const string ContentManifest = "soar/package.json";
    /// <summary>The model stage folder: checkpoint/ and the stage's manifest.json.</summary>
    public const string ModelFolder = "soar/model";
    /// <summary>The eval stage's metrics.json, report.html and manifest.json, when the package stage had one.</summary>
    public const string EvalFolder = "soar/eval";
    /// <summary>An adapter package's earlier LoRA stages (soar/bases/&lt;stage&gt;/), laid out as the model folder.</summary>
    public const string BasesFolder = "soar/bases";

    /// <summary>Files NuGet writes itself (nuspec, OPC parts); not covered by the content manifest.</summary>
    public static bool IsNuGetMetadata(string path) =>
        path.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase) && !path.Contains('/')
        || path.Equals("[Content_Types].xml", StringComparison.OrdinalIgnoreCase)
        || path.StartsWith("_rels/", StringComparison.OrdinalIgnoreCase)
        || path.StartsWith("package/services/metadata/", StringComparison.OrdinalIgnoreCase)
        || path.Equals(".signature.p7s", StringComparison.OrdinalIgnoreCase);

    /// <summary>Zip entry time of every packed file, in SOURCE_DATE_EPOCH form (2000-01-01T00:00:00Z).</summary>
    public const string DeterministicTimestamp = "946684800";
}
