using System.Text.Json;
using System.Text.Json.Nodes;

namespace Soar.Core.Models;

/// <summary>
/// Reading the config.json of a diffusers or transformers model: the file as a JSON object, the error that names every
/// unknown key, and typed values that fall back to the library's default when absent. Shared by every such config.
/// </summary>
public static class ConfigJson
{
    /// <summary>The JSON object at <paramref name="path"/>; a missing file, invalid JSON or a non-object is an error naming the file.</summary>
    public static JsonObject ReadObject(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no config file {path}", path);
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e); }
        return node as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object");
    }

    /// <summary>
    /// Throws when <paramref name="json"/> has a key that is neither in <paramref name="keys"/> nor accepted by
    /// <paramref name="ignored"/>, naming all of them and what this tool reads.
    /// </summary>
    /// <param name="library">"diffusers" or "transformers", named in the hint.</param>
    public static void RejectUnknownKeys(JsonObject json, string source, string className, IReadOnlyCollection<string> keys, Func<string, bool> ignored, string library)
    {
        var unknown = json.Select(kv => kv.Key).Where(k => !ignored(k) && !keys.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new InvalidDataException($"{source}: unknown {className} config key{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(k => $"\"{k}\""))}; " +
                $"this tool reads {string.Join(", ", keys)} (a newer {library} option, or a config of another model class?)");
    }

    /// <summary>The value under <paramref name="key"/>, <paramref name="fallback"/> when absent; a null or wrong-typed value is an error saying what was expected.</summary>
    public static T Read<T>(JsonObject json, string key, string source, Func<JsonNode, T> get, T fallback, string what)
    {
        if (!json.TryGetPropertyValue(key, out var node)) return fallback;
        try { return node is null ? throw new FormatException("null") : get(node); }
        catch (Exception e) when (e is FormatException or InvalidOperationException or NullReferenceException)
        {
            throw new InvalidDataException($"{source}: \"{key}\" is {node?.ToJsonString() ?? "null"}, expected {what}");
        }
    }

    /// <summary>config.json as the Hugging Face libraries write it: keys sorted, 2-space indent, trailing newline.</summary>
    public static string Write(IEnumerable<KeyValuePair<string, JsonNode?>> entries)
    {
        var sorted = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (k, v) in entries) sorted[k] = v;
        var json = new JsonObject(sorted.Select(kv => KeyValuePair.Create(kv.Key, kv.Value)));
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n";
    }
}
