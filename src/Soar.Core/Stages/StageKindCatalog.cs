using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Soar.Core.Stages;

/// <summary>The stage kinds and parameters declared in stage-kinds.json (embedded), with their defaults.</summary>
public sealed class StageKindCatalog
{
    public IReadOnlyDictionary<string, StageKindInfo> Kinds { get; }

    private StageKindCatalog(IReadOnlyDictionary<string, StageKindInfo> kinds) => Kinds = kinds;

    public static StageKindCatalog Default { get; } = LoadEmbedded();

    public StageKindInfo Get(string kind) =>
        Kinds.TryGetValue(kind, out var info) ? info
        : throw new StageException("SOAR1001", $"unknown stage kind '{kind}'; known kinds: {string.Join(", ", Kinds.Keys)}");

    private static StageKindCatalog LoadEmbedded()
    {
        using var stream = typeof(StageKindCatalog).Assembly.GetManifestResourceStream("Soar.stage-kinds.json")
            ?? throw new InvalidOperationException("stage-kinds.json is not embedded in Soar.Core");
        using var doc = JsonDocument.Parse(stream);
        var kinds = new Dictionary<string, StageKindInfo>(StringComparer.OrdinalIgnoreCase);
        foreach (var kind in doc.RootElement.GetProperty("kinds").EnumerateObject())
        {
            var parameters = new Dictionary<string, StageParameterInfo>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in kind.Value.GetProperty("parameters").EnumerateObject())
            {
                string? Str(string name) => p.Value.TryGetProperty(name, out var v) ? v.GetString() : null;
                bool fingerprint = !p.Value.TryGetProperty("fingerprint", out var f) || f.GetBoolean();
                parameters[p.Name] = new StageParameterInfo(p.Name, Str("type") ?? "string", Str("default") ?? "",
                    Str("min"), Str("max"), Str("choices")?.Split(','), Str("description") ?? "", fingerprint);
            }
            var inherits = kind.Value.TryGetProperty("inherits", out var parent) ? parent.GetString() : null;
            kinds[kind.Name] = new StageKindInfo(kind.Name, kind.Value.GetProperty("description").GetString() ?? "", parameters, inherits);
        }
        // A kind that inherits takes every parameter of its parent it does not redeclare (soar extends sft).
        foreach (var info in kinds.Values.Where(k => k.Inherits is not null).ToList())
        {
            if (!kinds.TryGetValue(info.Inherits!, out var parentInfo))
                throw new InvalidOperationException($"stage-kinds.json: kind '{info.Name}' inherits unknown kind '{info.Inherits}'");
            var merged = new Dictionary<string, StageParameterInfo>(parentInfo.Parameters, StringComparer.OrdinalIgnoreCase);
            foreach (var (k, v) in info.Parameters) merged[k] = v;
            kinds[info.Name] = info with { Parameters = merged };
        }
        return new StageKindCatalog(kinds);
    }
}

public sealed record StageKindInfo(string Name, string Description, IReadOnlyDictionary<string, StageParameterInfo> Parameters, string? Inherits = null)
{
    /// <summary>
    /// <paramref name="record"/> (e.g. the training options serialized into config.json) without the properties named
    /// after a parameter marked "fingerprint": false, so a logging knob never changes an output's bytes.
    /// </summary>
    public JsonNode? WithoutUnfingerprinted(JsonNode? record)
    {
        if (record is not JsonObject obj) return record;
        foreach (var key in obj.Select(p => p.Key).ToList())
            if (Parameters.TryGetValue(key, out var info) && !info.Fingerprint) obj.Remove(key);
        return obj;
    }
}

/// <summary>One catalog parameter; <paramref name="Fingerprint"/> false: a logging/progress knob that cannot change any output.</summary>
public sealed record StageParameterInfo(string Name, string Type, string Default, string? Min, string? Max, string[]? Choices, string Description, bool Fingerprint = true)
{
    /// <summary>Checks a raw value against type, range and choices; returns an error message or null.</summary>
    public string? Validate(string raw)
    {
        switch (Type)
        {
            // "int" is read with StageContext.Int (Int32), "long" with StageContext.Long.
            case "int":
                if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
                    return long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? $"{raw} is outside the 32-bit integer range (at most {int.MaxValue})" : $"'{raw}' is not an integer";
                return CheckRange(i);
            case "long":
                if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return $"'{raw}' is not a 64-bit integer";
                return CheckRange(l);
            case "double":
                if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d)) return $"'{raw}' is not a finite number";
                return CheckRange(d);
            case "bool":
                return bool.TryParse(raw, out _) ? null : $"'{raw}' is not true or false";
            default:
                if (Choices is { } c && !c.Contains(raw, StringComparer.OrdinalIgnoreCase)) return $"'{raw}' is not one of {string.Join(", ", c)}";
                return null;
        }
    }

    private string? CheckRange(double v)
    {
        if (Min is { } min && v < double.Parse(min, CultureInfo.InvariantCulture)) return $"{v.ToString(CultureInfo.InvariantCulture)} is below the minimum {min}";
        if (Max is { } max && v > double.Parse(max, CultureInfo.InvariantCulture)) return $"{v.ToString(CultureInfo.InvariantCulture)} is above the maximum {max}";
        return null;
    }
}
