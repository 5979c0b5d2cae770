using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Soar.Core.Checkpoints;

/// <summary>checksums.json of a checkpoint folder: file name -> SHA-256 (lower-case hex) of every other file.</summary>
public static class CheckpointChecksums
{
    public static JsonObject Compute(string dir)
    {
        var result = new JsonObject();
        foreach (var file in System.IO.Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            if (file != CheckpointLayout.Checksums) result[file!] = Hash(Path.Combine(dir, file!));
        return result;
    }

    public static void Verify(string dir)
    {
        var path = Path.Combine(dir, CheckpointLayout.Checksums);
        if (!File.Exists(path)) return;
        foreach (var (file, hash) in Parse(File.ReadAllBytes(path), path))
        {
            var full = Path.Combine(dir, file);
            if (!File.Exists(full)) throw new InvalidDataException($"checkpoint {dir}: {file} is listed in {CheckpointLayout.Checksums} but missing");
            if (Hash(full) != hash) throw new InvalidDataException($"checkpoint {dir}: {file} does not match its SHA-256 in {CheckpointLayout.Checksums} (damaged or partly written)");
        }
    }

    /// <summary>The recorded file name -> SHA-256 map of a checksums.json's bytes; <paramref name="path"/> names it in errors.</summary>
    public static IReadOnlyDictionary<string, string> Parse(byte[] json, string path)
    {
        try
        {
            var recorded = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{path}: must hold a JSON object");
            return recorded.ToDictionary(p => p.Key, p => p.Value is JsonValue v && v.TryGetValue<string>(out var hash) ? hash
                : throw new InvalidDataException($"{path}: the SHA-256 of {p.Key} is not a string"), StringComparer.Ordinal);
        }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e); }
    }

    /// <summary>SHA-256 (lower-case hex) of bytes already in memory.</summary>
    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
