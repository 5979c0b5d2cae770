using System.IO.Compression;
using System.Security.Cryptography;
using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>
/// Extracts a model .nupkg into a folder: refuses entries that would land outside it (zip-slip), packages that inflate
/// past the size cap, packages of another type, and packages whose files do not match soar/package.json or the model
/// stage manifest's record of its weights. Extracts into a temp sibling and renames it into place only when everything
/// checked out. The package's content hash is recomputed from the extracted bytes, never taken from the package's word.
/// </summary>
public static class ModelPackageExtractor
{
    /// <summary>
    /// Extracts <paramref name="nupkgPath"/> into <paramref name="targetDir"/>; <paramref name="label"/> names the package in
    /// errors. With <paramref name="replace"/> an existing folder (a stale cache entry) is swapped out only after success.
    /// </summary>
    public static ExtractedModelPackage Extract(string nupkgPath, string targetDir, string? label = null, bool replace = false)
    {
        label ??= nupkgPath;
        var target = Path.GetFullPath(targetDir);
        if (!replace && Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new StageException("SOAR2611", $"cannot extract {label}: {target} already exists and is not empty");
        var temp = $"{target}.tmp-{Guid.NewGuid().ToString("N")[..8]}";
        var aside = $"{target}.old-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            var result = ExtractInto(nupkgPath, temp, label);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (Directory.Exists(target)) Directory.Move(target, aside);
            Directory.Move(temp, target);
            return result with { Dir = target };
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            if (Directory.Exists(aside)) Directory.Delete(aside, recursive: true);
        }
    }

    /// <summary>Re-checks an already extracted package (a cache hit) against its content manifest and recomputes its content hash.</summary>
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
        var actual = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, sha) in manifest.Files)
        {
            if (!present.Remove(file))
                throw new StageException("SOAR2613", $"{source}: {file} is listed in {ModelPackageLayout.ContentManifest} but missing from the package; the package is damaged or was tampered with, do not use it");
            actual[file] = ContentHash.OfFile(Path.Combine(dir, file));
            if (actual[file] != sha)
                throw new StageException("SOAR2613", $"{source}: {file} does not match its SHA-256 in {ModelPackageLayout.ContentManifest}; the package is damaged or was tampered with, do not use it");
        }
        if (present.Count > 0)
            throw new StageException("SOAR2613", $"{source}: {string.Join(", ", present.Order())} not listed in {ModelPackageLayout.ContentManifest}; the package was tampered with, do not use it");
        var modelManifest = StageManifest.Load(Path.Combine(dir, ModelPackageLayout.ModelFolder, ContentHash.ManifestFileName));
        CheckAgainstStageManifest(modelManifest, manifest, actual, source);
        try { CheckpointChecksums.Verify(Path.Combine(dir, ModelPackageLayout.ModelFolder, TrainedModel.CheckpointFolder)); }
        catch (InvalidDataException e) { throw new StageException("SOAR2613", $"{source}: {e.Message}", e); }
        return new ExtractedModelPackage(manifest.Id, manifest.Version, dir, manifest.ModelContentHash, ContentHash.Combine(actual));
    }

    /// <summary>
    /// The content hash of a .nupkg as <see cref="Verify"/> recomputes it after extraction: every file but NuGet's metadata
    /// and soar/package.json, by path and SHA-256 (what `soar pack` prints, and what ContentHash="..." pins).
    /// </summary>
    public static string ContentHashOf(string nupkgPath)
    {
        using var zip = ZipFile.OpenRead(nupkgPath);
        var files = new List<KeyValuePair<string, string>>();
        foreach (var entry in zip.Entries)
        {
            var name = Uri.UnescapeDataString(entry.FullName.Replace('\\', '/'));
            if (name.EndsWith('/') || name == ModelPackageLayout.ContentManifest || ModelPackageLayout.IsNuGetMetadata(name)) continue;
            using var stream = entry.Open();
            files.Add(KeyValuePair.Create(name, Convert.ToHexStringLower(SHA256.HashData(stream))));
        }
        return ContentHash.Combine(files);
    }

    /// <summary>
    /// The model stage manifest records the SHA-256 of every checkpoint file and a content hash over them: a weight file
    /// swapped in with package.json's hashes recomputed still differs from that record. (A forger who also rewrites the
    /// manifest is caught by the consumer's ContentHash pin or soar.packages.lock.json, not here.)
    /// </summary>
    private static void CheckAgainstStageManifest(StageManifest modelManifest, PackageContentManifest manifest, IReadOnlyDictionary<string, string> actual, string source)
    {
        if (modelManifest.ContentHash != manifest.ModelContentHash)
            throw new StageException("SOAR2613", $"{source}: the model stage manifest's content hash {modelManifest.ContentHash} differs from the package's {manifest.ModelContentHash}; the package was tampered with");
        var recomputed = ContentHash.Combine(modelManifest.Outputs.Select(o => KeyValuePair.Create(o.Key, o.Value.Sha256)));
        if (recomputed != modelManifest.ContentHash)
            throw new StageException("SOAR2613", $"{source}: the model stage manifest claims content hash {modelManifest.ContentHash} but its own file list gives {recomputed}; the package was tampered with");
        var prefix = $"{ModelPackageLayout.ModelFolder}/";
        foreach (var (file, sha) in actual)
        {
            if (!file.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var relative = file[prefix.Length..];
            // The packed checkpoint's checksums.json is rewritten (it leaves the optimizer out), so the stage never recorded it;
            // adapter/ holds tensors cut from the recorded weights, checked when the weights are rebuilt on the base (BaseResolver).
            if (relative == ContentHash.ManifestFileName || relative == $"{TrainedModel.CheckpointFolder}/{CheckpointLayout.Checksums}"
                || relative.StartsWith($"{Bases.AdapterWeights.Folder}/", StringComparison.Ordinal)) continue;
            if (!modelManifest.Outputs.TryGetValue(relative, out var recorded))
                throw new StageException("SOAR2613", $"{source}: {file} is not an output of the model stage it claims to come from (its manifest does not list {relative}); the package was tampered with");
            if (recorded.Sha256 != sha)
                throw new StageException("SOAR2613", $"{source}: {file} differs from the file the model stage wrote (SHA-256 {sha}, the stage manifest records {recorded.Sha256}); the package was tampered with, do not use it");
        }
    }

    private static ExtractedModelPackage ExtractInto(string nupkgPath, string dir, string label)
    {
        var identity = PackageFiles.ExtractAll(nupkgPath, dir, ModelPackageLayout.PackageType, label);
        var (id, version) = (identity.Id, identity.Version.ToNormalizedString());
        var result = Verify(dir, label);
        if (!result.Id.Equals(id, StringComparison.OrdinalIgnoreCase) || result.Version != version)
            throw new StageException("SOAR2613", $"{label}: {ModelPackageLayout.ContentManifest} names {result.Id} {result.Version} but the nuspec says {id} {version}; the package was tampered with");
        return result;
    }
}
