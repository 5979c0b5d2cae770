using System.Security.Cryptography;
using System.Text;

namespace Soar.Core.Stages;

/// <summary>
/// SHA-256 hashes of stage outputs. A stage's content hash covers the relative path and bytes of every output
/// file except run logs, so two runs that write byte-identical artefacts get the same hash.
/// </summary>
public static class ContentHash
{
    /// <summary>Sub-folder for run logs (TensorBoard events, console copies): listed as outputs, left out of the content hash because they hold timestamps.</summary>
    public const string LogsFolder = "logs";

    public const string ManifestFileName = "manifest.json";

    public static string OfFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Every file under <paramref name="dir"/> except the manifest, sorted by relative path ('/' separators).</summary>
    public static IReadOnlyList<string> ListOutputs(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(rel => rel != ManifestFileName)
            .Order(StringComparer.Ordinal)
            .ToList();

    public static bool IsLog(string relativePath) => relativePath.StartsWith(LogsFolder + "/", StringComparison.Ordinal);

    /// <summary>Combines per-file hashes (relative path -> SHA-256) into one hash; the order of the input does not matter.</summary>
    public static string Combine(IEnumerable<KeyValuePair<string, string>> fileHashes)
    {
        var text = new StringBuilder();
        foreach (var (path, sha) in fileHashes.Where(f => !IsLog(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal))
            text.Append(path).Append('\0').Append(sha).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The content hash of a finished stage folder as it is on disk now (manifest.json itself excluded).</summary>
    public static string OfFolder(string dir) =>
        Combine(ListOutputs(dir).Where(r => !IsLog(r)).Select(relative => KeyValuePair.Create(relative, OfFile(Path.Combine(dir, relative)))));
}
