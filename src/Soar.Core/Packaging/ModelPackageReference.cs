using NuGet.Versioning;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>A model package named as "Id/Version" (soar sample --package Contoso.Shapes.Base/1.0.0).</summary>
public sealed record ModelPackageReference(string Id, string Version)
{
    public static ModelPackageReference Parse(string text, string option)
    {
        var parts = text.Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts[0].Length == 0 || !NuGetVersion.TryParse(parts[1], out _))
            throw new StageException("SOAR2630", $"{option} '{text}' must be Id/Version, e.g. Contoso.Shapes.Base/1.0.0");
        return new ModelPackageReference(parts[0], parts[1]);
    }

    /// <summary>Where restored model packages are extracted: $SOAR_PACKAGES, else the project's .soar/packages, else ~/.soar/packages.</summary>
    public static string CacheRoot(string? projectDir) =>
        Environment.GetEnvironmentVariable("SOAR_PACKAGES") is { Length: > 0 } dir ? dir
        : Path.Combine(projectDir ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".soar", "packages");
}
