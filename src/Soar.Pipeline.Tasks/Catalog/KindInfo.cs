namespace Soar.Pipeline.Tasks;

/// <summary>One stage kind of the catalog and the parameters it accepts.</summary>
public sealed record KindInfo(string Name, string Description, IReadOnlyDictionary<string, ParameterRule> Parameters, string? Inherits = null)
{
    /// <summary>Every parameter with the given values or the catalog default, under the catalog's spelling of each name.</summary>
    public SortedDictionary<string, string> Resolve(IReadOnlyDictionary<string, string> given)
    {
        var resolved = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var rule in Parameters.Values)
            resolved[rule.Name] = given.TryGetValue(rule.Name, out var v) ? v : rule.Default;
        return resolved;
    }
}
