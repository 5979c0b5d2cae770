using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>
/// Extracts a model .nupkg into a folder: refuses entries that would land outside it (zip-slip), packages of another
/// type, and packages whose files do not match the SHA-256 in soar/package.json. Extracts into a temp sibling and
/// renames it into place only when everything checked out.
/// </summary>
public static class ModelPackageExtractor
{
    public static ExtractedModelPackage Extract(string nupkgPath, string targetDir)
    {
        var target = Path.GetFullPath(targetDir);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new StageException("SOAR2611", $"cannot extract {nupkgPath}: {target} already exists and is not empty");
        var temp = $"{target}.tmp-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            var result = ExtractInto(nupkgPath, temp);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.Move(temp, target);
            return result with { Dir = target };
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Re-checks an already extracted package (a cache hit) against its content manifest.</summary>
    public static ExtractedModelPackage Verify(string dir, string source)
    {
        var manifestPath = Path.Combine(dir, ModelPackageLayout.ContentManifest);
        if (!File.Exists(manifestPath))
            throw new StageException("SOAR2612", $"{source}: no {ModelPackageLayout.ContentManifest}; not a Soar model package (build it with soar pack or a Kind=\"package\" stage)");
        var manifest = PackageContentManifest.Parse(File.ReadAllText(manifestPath), source);
        var present = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(f => f != ModelPackageLayout.ContentManifest && !ModelPackageLayout.IsNuGetMetadata(f))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var (file, sha) in manifest.Files)
        {
            if (!present.Remove(file))
                throw new StageException("SOAR2613", $"{source}: {file} is listed in {ModelPackageLayout.ContentManifest} but missing from the package; the package is damaged or was tampered with, do not use it");
            if (ContentHash.OfFile(Path.Combine(dir, file)) != sha)
                throw new StageException("SOAR2613", $"{source}: {file} does not match its SHA-256 in {ModelPackageLayout.ContentManifest}; the package is damaged or was tampered with, do not use it");
        }
        if (present.Count > 0)
            throw new StageException("SOAR2613", $"{source}: {string.Join(", ", present.Order())} not listed in {ModelPackageLayout.ContentManifest}; the package was tampered with, do not use it");
        var modelManifest = StageManifest.Load(Path.Combine(dir, ModelPackageLayout.ModelFolder, ContentHash.ManifestFileName));
        if (modelManifest.ContentHash != manifest.ModelContentHash)
            throw new StageException("SOAR2613", $"{source}: the model stage manifest's content hash {modelManifest.ContentHash} differs from the package's {manifest.ModelContentHash}; the package was tampered with");
        try { CheckpointChecksums.Verify(Path.Combine(dir, ModelPackageLayout.ModelFolder, TrainedModel.CheckpointFolder)); }
        catch (InvalidDataException e) { throw new StageException("SOAR2613", $"{source}: {e.Message}", e); }
        return new ExtractedModelPackage(manifest.Id, manifest.Version, dir, manifest.ModelContentHash);
    }

    private static ExtractedModelPackage ExtractInto(string nupkgPath, string dir)
    {
        var identity = PackageFiles.ExtractAll(nupkgPath, dir, ModelPackageLayout.PackageType);
        var (id, version) = (identity.Id, identity.Version.ToNormalizedString());
        var result = Verify(dir, nupkgPath);
        if (!result.Id.Equals(id, StringComparison.OrdinalIgnoreCase) || result.Version != version)
            throw new StageException("SOAR2613", $"{nupkgPath}: {ModelPackageLayout.ContentManifest} names {result.Id} {result.Version} but the nuspec says {id} {version}; the package was tampered with");
        return result;
    }
}
