namespace Soar.Core.Packaging;

/// <summary>A verified, extracted model package. <see cref="ModelDir"/> is a finished model stage folder, usable as an upstream.</summary>
public sealed record ExtractedModelPackage(string Id, string Version, string Dir, string ModelContentHash)
{
    public string ModelDir => Path.Combine(Dir, ModelPackageLayout.ModelFolder);
    public string? EvalDir => Directory.Exists(Path.Combine(Dir, ModelPackageLayout.EvalFolder)) ? Path.Combine(Dir, ModelPackageLayout.EvalFolder) : null;
    public string Readme => Path.Combine(Dir, ModelPackageLayout.Readme);
}
