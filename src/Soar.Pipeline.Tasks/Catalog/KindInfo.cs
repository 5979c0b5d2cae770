namespace Soar.Pipeline.Tasks;

/// <summary>
/// One stage kind of the catalog: the parameters it accepts, what it may read (<see cref="Upstream"/>, null: no rule)
/// and what it produces for the stages that read it ("dataset", "model", ...).
/// </summary>
public sealed record KindInfo(string Name, string Description, IReadOnlyDictionary<string, ParameterRule> Parameters, string? Inherits = null,
    UpstreamRule? Upstream = null, string Produces = "")
{
    /// <summary>
    /// Every parameter that can change the stage's outputs, with the given value or the catalog default, under the
    /// catalog's spelling of each name: what the parameter stamp and the fingerprint cover. Parameters the catalog
    /// marks "fingerprint": false (LogEvery, CheckpointEvery) are left out, so changing one reruns nothing.
    /// </summary>
    public SortedDictionary<string, string> Resolve(IReadOnlyDictionary<string, string> given)
    {
        var resolved = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var rule in Parameters.Values.Where(r => r.Fingerprint))
            resolved[rule.Name] = Value(given, rule.Name);
        return resolved;
    }

    /// <summary>The given value of one parameter, else its catalog default.</summary>
    public string Value(IReadOnlyDictionary<string, string> given, string name) =>
        given.TryGetValue(name, out var v) ? v : Parameters.TryGetValue(name, out var rule) ? rule.Default : "";
}
