using System.Security.Cryptography;
using Soar.Core.Checkpoints;

namespace Soar.Core.Packaging;

/// <summary>
/// The SHA-512 of the .nupkg a package cache folder was extracted from, kept beside it (<c>{version}.nupkg.sha512</c>,
/// as NuGet's global packages folder keeps one): a restore reuses the folder only when the feed still serves those bytes.
/// </summary>
public static class PackageCacheStamp
{
    public static string HashOf(string nupkgPath)
    {
        using var stream = File.OpenRead(nupkgPath);
        return Convert.ToHexStringLower(SHA512.HashData(stream));
    }

    public static string? Read(string cacheDir) => File.Exists(PathOf(cacheDir)) ? File.ReadAllText(PathOf(cacheDir)).Trim() : null;

    public static void Write(string cacheDir, string sha512) => DurableFile.WriteText(PathOf(cacheDir), sha512 + "\n");

    /// <summary>Removed before the folder is replaced, so an interrupted replacement is never taken for a match.</summary>
    public static void Clear(string cacheDir)
    {
        if (File.Exists(PathOf(cacheDir))) File.Delete(PathOf(cacheDir));
    }

    private static string PathOf(string cacheDir) => cacheDir.TrimEnd(Path.DirectorySeparatorChar) + ".nupkg.sha512";
}
