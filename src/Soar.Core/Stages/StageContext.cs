using System.Globalization;

namespace Soar.Core.Stages;

/// <summary>Everything a running stage may read: its spec, typed parameters with catalog defaults, its inputs and its log.</summary>
public sealed class StageContext
{
    public StageSpec Spec { get; }
    public StageKindInfo KindInfo { get; }
    public IStageLog Log { get; }
    public string OutputDir => Spec.OutputDir;
    public string Name => Spec.Name;

    public StageContext(StageSpec spec, IStageLog log, StageKindCatalog? catalog = null)
    {
        Spec = spec;
        Log = log;
        KindInfo = (catalog ?? StageKindCatalog.Default).Get(spec.Kind);
        foreach (var (key, value) in spec.Parameters)
        {
            if (!KindInfo.Parameters.TryGetValue(key, out var info))
                throw new StageException("SOAR1002", $"stage '{spec.Name}': unknown parameter '{key}' for kind '{spec.Kind}'; known: {string.Join(", ", KindInfo.Parameters.Keys)}");
            if (info.Validate(value) is { } error)
                throw new StageException("SOAR1003", $"stage '{spec.Name}': parameter {info.Name}: {error}");
        }
    }

    /// <summary>All parameters with defaults filled in (what the manifest records).</summary>
    public IReadOnlyDictionary<string, string> ResolvedParameters =>
        KindInfo.Parameters.ToDictionary(p => p.Key, p => Raw(p.Key), StringComparer.OrdinalIgnoreCase);

    public string Raw(string name)
    {
        if (!KindInfo.Parameters.TryGetValue(name, out var info))
            throw new InvalidOperationException($"kind '{Spec.Kind}' declares no parameter '{name}' (add it to stage-kinds.json)");
        return Spec.Parameters.TryGetValue(name, out var v) ? v : info.Default;
    }

    public string String(string name) => Raw(name);
    public int Int(string name) => int.Parse(Raw(name), NumberStyles.Integer, CultureInfo.InvariantCulture);
    public long Long(string name) => long.Parse(Raw(name), NumberStyles.Integer, CultureInfo.InvariantCulture);
    public double Double(string name) => double.Parse(Raw(name), NumberStyles.Float, CultureInfo.InvariantCulture);
    public bool Bool(string name) => bool.Parse(Raw(name));

    /// <summary>The single upstream of a given kind group, or a clear error naming what is missing.</summary>
    public StageInput RequireInput(Func<StageInput, bool> match, string what) =>
        Spec.Inputs.FirstOrDefault(match)
        ?? throw new StageException("SOAR1004", $"stage '{Spec.Name}' needs {what} as an upstream stage (Upstream=\"...\" in the .soarproj); it has: {(Spec.Inputs.Count == 0 ? "none" : string.Join(", ", Spec.Inputs.Select(i => $"{i.Name} ({i.Kind})")))}");

    public StageInput? FindInput(Func<StageInput, bool> match) => Spec.Inputs.FirstOrDefault(match);
}
