using NuGet.Packaging;
using NuGet.Versioning;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>Identity and legal metadata of a model package (from the package stage's parameters or soar pack's options).</summary>
public sealed record ModelPackageInfo(string Id, NuGetVersion Version, string Authors, string? License, string? Description)
{
    /// <summary>Validates raw text; errors name the parameter and what a valid value looks like.</summary>
    public static ModelPackageInfo Parse(string id, string version, string? authors, string? license, string? description)
    {
        if (string.IsNullOrWhiteSpace(id) || !PackageIdValidator.IsValidPackageId(id))
            throw new StageException("SOAR2601", $"PackageId '{id}' is not a valid NuGet package id; use letters, digits, '.', '-' and '_' (e.g. Contoso.Shapes.Base)");
        if (!NuGetVersion.TryParse(version, out var parsed))
            throw new StageException("SOAR2602", $"Version '{version}' of package '{id}' is not a valid NuGet version (e.g. 1.0.0 or 1.0.0-beta.1)");
        return new ModelPackageInfo(id, parsed, string.IsNullOrWhiteSpace(authors) ? id : authors,
            string.IsNullOrWhiteSpace(license) ? null : license, string.IsNullOrWhiteSpace(description) ? null : description);
    }

    public string FileName => $"{Id}.{Version.ToNormalizedString()}.nupkg";
}
