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
        JsonObject recorded;
        try { recorded = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException($"{path}: empty"); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e); }
        foreach (var (file, hash) in recorded)
        {
            var full = Path.Combine(dir, file);
            if (!File.Exists(full)) throw new InvalidDataException($"checkpoint {dir}: {file} is listed in {CheckpointLayout.Checksums} but missing");
            if (Hash(full) != hash?.GetValue<string>()) throw new InvalidDataException($"checkpoint {dir}: {file} does not match its SHA-256 in {CheckpointLayout.Checksums} (damaged or partly written)");
        }
    }

    private static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
