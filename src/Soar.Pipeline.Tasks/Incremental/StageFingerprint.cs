using System.Security.Cryptography;
using System.Text;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// SHA-256 over what determines a stage's outputs: its kind, every parameter (catalog defaults filled in),
/// the content hash of each upstream stage in order, and the tool version. Recorded in the manifest.
/// </summary>
public static class StageFingerprint
{
    public static string Compute(string kind, IReadOnlyDictionary<string, string> resolvedParameters,
        IReadOnlyList<KeyValuePair<string, string>> upstreamContentHashes, string toolVersion)
    {
        var text = new StringBuilder();
        text.Append("kind\0").Append(kind.ToLowerInvariant()).Append('\n');
        foreach (var (name, value) in resolvedParameters.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
            text.Append("param\0").Append(name.ToLowerInvariant()).Append('\0').Append(value).Append('\n');
        foreach (var (name, hash) in upstreamContentHashes)
            text.Append("input\0").Append(name).Append('\0').Append(hash).Append('\n');
        text.Append("tool\0").Append(toolVersion).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The tool version plus a hash of the worker's binaries, so a rebuilt worker (dev mode) reruns stages.</summary>
    public static string ToolVersion(string version, IEnumerable<string> toolFiles)
    {
        var files = toolFiles.Where(File.Exists).OrderBy(Path.GetFileName, StringComparer.Ordinal).ToList();
        if (files.Count == 0) return version;
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files) sha.AppendData(File.ReadAllBytes(file));
        return $"{version}+{Convert.ToHexStringLower(sha.GetHashAndReset())[..12]}";
    }
}
