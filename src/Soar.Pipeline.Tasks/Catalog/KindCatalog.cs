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

    private KindCatalog(IReadOnlyDictionary<string, KindInfo> kinds) => Kinds = kinds;

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
                parameters[p.Name] = new ParameterRule(p.Name, Text("type") ?? "string", Text("default") ?? "",
                    Text("min"), Text("max"), Text("choices")?.Split(',').Select(c => c.Trim()).ToArray());
            }
            var description = kind.Value.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";
            var inherits = kind.Value.TryGetProperty("inherits", out var i) ? i.GetString() : null;
            kinds[kind.Name] = new KindInfo(kind.Name, description, parameters, inherits);
        }
        // A kind that inherits takes every parameter of its parent that it does not redeclare (soar extends sft).
        foreach (var child in kinds.Values.Where(k => k.Inherits is not null).ToList())
        {
            if (!kinds.TryGetValue(child.Inherits!, out var parent))
                throw new InvalidDataException($"stage-kinds.json: kind '{child.Name}' inherits unknown kind '{child.Inherits}'");
            var merged = new Dictionary<string, ParameterRule>(parent.Parameters, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, rule) in child.Parameters) merged[name] = rule;
            kinds[child.Name] = child with { Parameters = merged };
        }
        return new KindCatalog(kinds);
    }

    private static KindCatalog LoadEmbedded()
    {
        using var stream = typeof(KindCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {typeof(KindCatalog).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}
