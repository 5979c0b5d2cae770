using NuGet.Common;
using NuGet.Packaging;
using NuGet.Packaging.Core;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>Zip-slip-safe extraction of a .nupkg's own files (NuGet's metadata parts left out), with a package type check.</summary>
public static class PackageFiles
{
    /// <summary>Extracts every non-metadata entry under <paramref name="dir"/>; returns the package identity.</summary>
    public static PackageIdentity ExtractAll(string nupkgPath, string dir, string packageType)
    {
        Directory.CreateDirectory(dir);
        var root = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        try
        {
            using var reader = new PackageArchiveReader(nupkgPath);
            var identity = reader.GetIdentity();
            if (!reader.GetPackageTypes().Any(t => t.Name.Equals(packageType, StringComparison.OrdinalIgnoreCase)))
                throw new StageException("SOAR2612", $"{nupkgPath}: package {identity.Id} {identity.Version} is not of package type {packageType}; it is not what soar expected here (a library or tool package?)");
            foreach (var file in reader.GetFiles())
            {
                var normalized = file.Replace('\\', '/');
                if (ModelPackageLayout.IsNuGetMetadata(normalized)) continue;
                var destination = Path.GetFullPath(Path.Combine(root, normalized));
                // An entry such as ../x or /etc/x would be written outside the target folder (zip-slip).
                if (Path.IsPathRooted(normalized) || !destination.StartsWith(root, StringComparison.Ordinal))
                    throw new StageException("SOAR2614", $"{nupkgPath}: entry '{file}' would be written outside the extraction folder; refusing the package (a crafted or corrupt archive)");
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                reader.ExtractFile(file, destination, NullLogger.Instance);
            }
            return identity;
        }
        catch (Exception e) when (e is InvalidDataException or PackagingException)
        {
            throw new StageException("SOAR2615", $"{nupkgPath}: not a readable .nupkg ({e.Message})", e);
        }
    }
}
