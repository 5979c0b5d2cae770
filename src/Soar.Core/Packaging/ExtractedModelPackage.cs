namespace Soar.Core.Packaging;

/// <summary>
/// A verified, extracted model package. <see cref="ModelDir"/> is a finished model stage folder, usable as an upstream.
/// <see cref="ModelContentHash"/> is the content hash of the stage it was packed from (checked against that stage's
/// manifest); <see cref="ContentHash"/> is recomputed from the extracted files, the value a consumer pins and locks.
/// </summary>
public sealed record ExtractedModelPackage(string Id, string Version, string Dir, string ModelContentHash, string ContentHash)
{
    /// <summary>How the package is signed: the verified NuGet signer, or that it is unsigned.</summary>
    public string Signature { get; init; } = PackageSignatures.Unsigned;

    /// <summary>Set when the cached copy differed from the feed's and was replaced by it.</summary>
    public string? CacheNote { get; init; }

    public string ModelDir => Path.Combine(Dir, ModelPackageLayout.ModelFolder);
    public string? EvalDir => Directory.Exists(Path.Combine(Dir, ModelPackageLayout.EvalFolder)) ? Path.Combine(Dir, ModelPackageLayout.EvalFolder) : null;
    public string Readme => Path.Combine(Dir, ModelPackageLayout.Readme);
}
