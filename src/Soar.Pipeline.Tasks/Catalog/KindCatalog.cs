using System.Text.Json;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// The stage kinds and parameters of stage-kinds.json, read on the MSBuild side. The same file is embedded in
/// Soar.Core for the worker, so the build and the worker never disagree about what a kind accepts.
/// </summary>
public sealed class KindCatalog
{
    public const string ResourceName = "Soar.stage-kinds.json";

    public IReadOnlyDictionary<string, KindInfo> Kinds { get; }
    /// <summary>Names of the built-in worlds (a curate Source that is one of them draws that world, anything else is a path).</summary>
    public IReadOnlySet<string> Worlds { get; }

    private KindCatalog(IReadOnlyDictionary<string, KindInfo> kinds, IReadOnlySet<string> worlds) => (Kinds, Worlds) = (kinds, worlds);

    public static KindCatalog Embedded { get; } = LoadEmbedded();

    public bool TryGet(string kind, out KindInfo info) => Kinds.TryGetValue(kind, out info!);

    public static KindCatalog Parse(string json)
    {
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var kinds = new Dictionary<string, KindInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var kind in doc.RootElement.GetProperty("kinds").EnumerateObject())
        {
            var parameters = new Dictionary<string, ParameterRule>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in kind.Value.GetProperty("parameters").EnumerateObject())
            {
                string? Text(string name) => p.Value.TryGetProperty(name, out var v) ? v.GetString() : null;
                bool fingerprint = !p.Value.TryGetProperty("fingerprint", out var f) || f.GetBoolean();
                parameters[p.Name] = new ParameterRule(p.Name, Text("type") ?? "string", Text("default") ?? "",
                    Text("min"), Text("max"), Text("choices")?.Split(',').Select(c => c.Trim()).ToArray(), fingerprint);
            }
            var description = kind.Value.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
            var inherits = kind.Value.TryGetProperty("inherits", out var i) ? i.GetString() : null;
            var upstream = kind.Value.TryGetProperty("upstream", out var u) ? UpstreamRule.Parse(u.GetString() ?? "") : null;
            var produces = kind.Value.TryGetProperty("produces", out var o) ? o.GetString() ?? "" : "";
            kinds[kind.Name] = new KindInfo(kind.Name, description, parameters, inherits, upstream, produces);
        }
        // A kind that inherits takes every parameter of its parent that it does not redeclare (soar extends sft).
        foreach (var child in kinds.Values.Where(k => k.Inherits is not null).ToList())
        {
            if (!kinds.TryGetValue(child.Inherits!, out var parent))
                throw new InvalidDataException($"stage-kinds.json: kind '{child.Name}' inherits unknown kind '{child.Inherits}'");
            var merged = new Dictionary<string, ParameterRule>(parent.Parameters, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, rule) in child.Parameters) merged[name] = rule;
            kinds[child.Name] = child with { Parameters = merged, Upstream = child.Upstream ?? parent.Upstream, Produces = child.Produces.Length > 0 ? child.Produces : parent.Produces };
        }
        var worlds = doc.RootElement.TryGetProperty("worlds", out var w) ? (w.GetString() ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [];
        return new KindCatalog(kinds, new HashSet<string>(worlds, StringComparer.OrdinalIgnoreCase));
    }

    private static KindCatalog LoadEmbedded()
    {
        using var stream = typeof(KindCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {typeof(KindCatalog).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}
