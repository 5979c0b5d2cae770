using NuGet.Packaging;
using NuGet.Packaging.Core;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>
/// Zip-slip-safe, size-capped extraction of a .nupkg's own files (NuGet's metadata parts left out), with a package
/// type check. Entries are streamed through a counter, so an entry that inflates past the cap (a zip bomb) is refused
/// after at most the cap has been written, never expanded in full first.
/// </summary>
public static class PackageFiles
{
    /// <summary>Overrides the absolute cap on extracted bytes (default <see cref="DefaultMaxBytes"/>).</summary>
    public const string MaxBytesVariable = "SOAR_PACKAGE_MAX_BYTES";
    public const long DefaultMaxBytes = 8L << 30;
    /// <summary>Weights barely compress, so a package that inflates to more than this many times its size is not a model.</summary>
    public const long MaxExpansion = 20;
    /// <summary>Small packages may hold well-compressing text (configs, reports) beyond <see cref="MaxExpansion"/>.</summary>
    public const long ExpansionAllowance = 64L << 20;

    /// <summary>The cap for a package of <paramref name="packageBytes"/>: the absolute cap, and at most <see cref="MaxExpansion"/> times its size (plus the allowance).</summary>
    public static long MaxBytesFor(long packageBytes)
    {
        var absolute = Environment.GetEnvironmentVariable(MaxBytesVariable) is { Length: > 0 } text && long.TryParse(text, out var set) && set > 0 ? set : DefaultMaxBytes;
        return Math.Min(absolute, ExpansionAllowance + MaxExpansion * packageBytes);
    }

    /// <summary>
    /// Extracts every non-metadata entry under <paramref name="dir"/>; returns the package identity. Errors name
    /// <paramref name="label"/> (e.g. "package Contoso.Base 1.0.0 from feed X"), not the temp file it was downloaded to.
    /// </summary>
    public static PackageIdentity ExtractAll(string nupkgPath, string dir, string packageType, string label, long? maxBytes = null)
    {
        Directory.CreateDirectory(dir);
        var root = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var cap = maxBytes ?? MaxBytesFor(new FileInfo(nupkgPath).Length);
        try
        {
            using var reader = new PackageArchiveReader(nupkgPath);
            var identity = reader.GetIdentity();
            if (!reader.GetPackageTypes().Any(t => t.Name.Equals(packageType, StringComparison.OrdinalIgnoreCase)))
                throw new StageException("SOAR2612", $"{label}: package {identity.Id} {identity.Version} is not of package type {packageType}; it is not what soar expected here (a library or tool package?)");
            long written = 0;
            foreach (var file in reader.GetFiles())
            {
                var normalized = file.Replace('\\', '/');
                if (ModelPackageLayout.IsNuGetMetadata(normalized)) continue;
                var destination = Path.GetFullPath(Path.Combine(root, normalized));
                // An entry such as ../x or /etc/x would be written outside the target folder (zip-slip).
                if (Path.IsPathRooted(normalized) || !destination.StartsWith(root, StringComparison.Ordinal))
                    throw new StageException("SOAR2614", $"{label}: entry '{file}' would be written outside the extraction folder; refusing the package (a crafted or corrupt archive)");
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                using var source = reader.GetStream(file);
                using var target = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                written = CopyCapped(source, target, written, cap, file, label);
            }
            return identity;
        }
        catch (Exception e) when (e is InvalidDataException or PackagingException)
        {
            throw new StageException("SOAR2615", $"{label}: not a readable .nupkg ({e.Message})", e);
        }
    }

    /// <summary>Copies until the package's running total would pass <paramref name="cap"/>; returns the new total.</summary>
    private static long CopyCapped(Stream source, Stream target, long written, long cap, string entry, string label)
    {
        var buffer = new byte[1 << 16];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            if (written + read > cap)
                throw new StageException("SOAR2616", $"{label}: entry '{entry}' inflates the package past {cap:N0} bytes extracted ({MaxExpansion}x its size plus {ExpansionAllowance >> 20} MiB, at most ${MaxBytesVariable} = {DefaultMaxBytes >> 30} GiB by default); refusing it (a zip bomb or not a model package)");
            target.Write(buffer, 0, read);
            written += read;
        }
        return written;
    }
}
