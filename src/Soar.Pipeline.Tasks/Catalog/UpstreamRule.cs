namespace Soar.Pipeline.Tasks;

/// <summary>
/// What a kind may read, from the catalog's "upstream" text ("dataset, optional model", "model (one or more), optional
/// dataset", "none"): each role is what some kind "produces". Required roles must be present, a role appears once
/// unless it says "(one or more)", and an upstream whose kind produces no listed role is a mistake. "none": the
/// kind reads no upstream, so an Upstream there only orders the stages (<see cref="OrderOnly"/>) and is not checked.
/// </summary>
public sealed record UpstreamRule(IReadOnlyList<UpstreamRole> Roles, bool OrderOnly = false)
{
    public static UpstreamRule Parse(string text)
    {
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)) return new UpstreamRule([], OrderOnly: true);
        var roles = new List<UpstreamRole>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var part = raw;
            bool optional = part.StartsWith("optional ", StringComparison.OrdinalIgnoreCase);
            if (optional) part = part["optional ".Length..].Trim();
            bool many = part.EndsWith("(one or more)", StringComparison.OrdinalIgnoreCase);
            if (many) part = part[..^"(one or more)".Length].Trim();
            roles.Add(new UpstreamRole(part, !optional, many));
        }
        return new UpstreamRule(roles);
    }

    public UpstreamRole? Find(string role) => Roles.FirstOrDefault(r => r.Name.Equals(role, StringComparison.OrdinalIgnoreCase));

    public override string ToString() =>
        Roles.Count == 0 ? "no upstream stage"
        : string.Join(", ", Roles.Select(r => (r.Required ? "" : "optionally ") + (r.Many ? $"one or more {r.Name}s" : $"one {r.Name}")));
}

/// <summary>One role of an <see cref="UpstreamRule"/>: e.g. "model", required, one or more.</summary>
public sealed record UpstreamRole(string Name, bool Required, bool Many);
