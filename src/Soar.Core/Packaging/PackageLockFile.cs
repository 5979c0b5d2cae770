using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>
/// soar.packages.lock.json beside the project (like NuGet's packages.lock.json): the id, version and content hash of
/// every model package the project restored. The first restore of an id/version writes its entry; every later one must
/// recompute the same content hash, so a package changed on the feed under the same id/version is refused.
/// </summary>
public static class PackageLockFile
{
    public const string FileName = "soar.packages.lock.json";
    private const int FormatVersion = 1;

    /// <summary>Checks <paramref name="package"/> against the lock file in <paramref name="projectDir"/>, adding its entry on first restore.</summary>
    public static void Enforce(string projectDir, ExtractedModelPackage package)
    {
        var path = Path.Combine(Path.GetFullPath(projectDir), FileName);
        // Stages of one build restore in separate worker processes: the read-check-write is serialised across them.
        using var guard = AcquireGuard(path);
        var entries = Read(path);
        var existing = entries.FirstOrDefault(e => e.Id.Equals(package.Id, StringComparison.OrdinalIgnoreCase) && e.Version == package.Version);
        if (existing is not null)
        {
            if (existing.ContentHash != package.ContentHash)
                throw new StageException("SOAR2619", $"model package {package.Id} {package.Version} has content hash {package.ContentHash}, but {path} locked it at {existing.ContentHash} when it was first restored: the package changed under the same id/version. If the new package is intended, delete its entry from {FileName} (and update any ContentHash pin) and build again; otherwise ask its publisher, and publish changes under a new version");
            return;
        }
        entries.Add(new Entry(package.Id, package.Version, package.ContentHash));
        var packages = new JsonArray();
        foreach (var e in entries.OrderBy(e => e.Id, StringComparer.OrdinalIgnoreCase).ThenBy(e => e.Version, StringComparer.Ordinal))
            packages.Add(new JsonObject { ["id"] = e.Id, ["version"] = e.Version, ["contentHash"] = e.ContentHash });
        var root = new JsonObject { ["version"] = FormatVersion, ["packages"] = packages };
        DurableFile.WriteText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    public sealed record Entry(string Id, string Version, string ContentHash);

    public static List<Entry> Read(string path)
    {
        if (!File.Exists(path)) return [];
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException("not a JSON object");
            if (root["version"]?.GetValue<int>() != FormatVersion) throw new InvalidDataException($"version is not {FormatVersion}");
            return (root["packages"] as JsonArray ?? throw new InvalidDataException("no 'packages' list"))
                .Select(p => new Entry(Field(p, "id"), Field(p, "version"), Field(p, "contentHash"))).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException)
        {
            throw new StageException("SOAR2619", $"{path} is not a valid {FileName} ({e.Message}); fix it, or delete it to lock the packages anew on the next restore", e);
        }
    }

    private static string Field(JsonNode? entry, string name) =>
        entry?[name]?.GetValue<string>() is { Length: > 0 } value ? value : throw new InvalidDataException($"an entry has no '{name}'");

    /// <summary>An exclusive lock on a file in the temp folder named after the lock file's path (nothing extra beside the project).</summary>
    private static FileStream AcquireGuard(string path)
    {
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..16];
        var guard = Path.Combine(Path.GetTempPath(), $"soar-lock-{name}");
        for (var attempt = 0; ; attempt++)
        {
            try { return new FileStream(guard, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (attempt < 1200) { Thread.Sleep(50); }
        }
    }
}
