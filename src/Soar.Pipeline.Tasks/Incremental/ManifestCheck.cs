using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// Is a finished stage folder still intact? Every output listed in manifest.json must exist with its recorded
/// size; a file whose write time also matches is trusted, any other is re-hashed and compared. Given the fingerprint
/// the declaration computes now, the manifest must record that one too: timestamps alone cannot tell outputs built for
/// another declaration (e.g. moved in late by a killed build's run) from current ones.
/// </summary>
public static class ManifestCheck
{
    public sealed record Result(bool Intact, string? ContentHash, string? Problem);

    public static Result Check(string stageDir, string? expectedFingerprint = null)
    {
        var manifestPath = Path.Combine(stageDir, StageLayout.ManifestFileName);
        if (!File.Exists(manifestPath)) return new(false, null, "it has not run yet");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(manifestPath)); }
        catch (JsonException) { return new(false, null, "its manifest.json is not valid JSON"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (!root.TryGetProperty("contentHash", out var content) || !root.TryGetProperty("outputs", out var outputs))
                return new(false, null, "its manifest.json has no contentHash/outputs");
            var recordedFingerprint = root.TryGetProperty("fingerprint", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (expectedFingerprint is not null && recordedFingerprint != expectedFingerprint)
                return new(false, null, $"its outputs were built for fingerprint {Short(recordedFingerprint)}, but the declaration now gives {Short(expectedFingerprint)}");
            root.TryGetProperty("run", out var run);
            var times = run.ValueKind == JsonValueKind.Object && run.TryGetProperty("outputTimes", out var t) ? t : default;
            foreach (var output in outputs.EnumerateObject())
            {
                var file = new FileInfo(Path.Combine(stageDir, output.Name));
                if (!file.Exists) return new(false, null, $"output '{output.Name}' is missing");
                if (file.Length != output.Value.GetProperty("size").GetInt64()) return new(false, null, $"output '{output.Name}' changed size");
                if (times.ValueKind == JsonValueKind.Object && times.TryGetProperty(output.Name, out var recorded)
                    && recorded.GetString() == file.LastWriteTimeUtc.ToString("O", CultureInfo.InvariantCulture))
                    continue;
                if (HashFile(file.FullName) != output.Value.GetProperty("sha256").GetString())
                    return new(false, null, $"output '{output.Name}' was modified");
            }
            return new(true, content.GetString(), null);
        }
    }

    /// <summary>The fingerprint a finished stage folder's manifest records, or null.</summary>
    public static string? Fingerprint(string stageDir)
    {
        var path = Path.Combine(stageDir, StageLayout.ManifestFileName);
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.TryGetProperty("fingerprint", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }

    private static string Short(string? fingerprint) => fingerprint is null ? "(none)" : fingerprint[..Math.Min(12, fingerprint.Length)];

    public static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
