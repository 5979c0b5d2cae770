using System.Text.RegularExpressions;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// Checks declared stages against the catalog and each other, and orders them so every stage comes after its
/// upstream stages (ties keep the project's order).
/// </summary>
public static class PipelinePlanner
{
    // Stage names become folder names under .soar/ and MSBuild property values.
    private static readonly Regex ValidName = new("^[A-Za-z0-9_][A-Za-z0-9_.-]*$", RegexOptions.CultureInvariant);

    public static PipelinePlan Plan(IReadOnlyList<StageDeclaration> stages, KindCatalog catalog)
    {
        var errors = new List<PipelineDiagnostic>();
        var byName = new Dictionary<string, StageDeclaration>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in stages)
        {
            if (!ValidName.IsMatch(stage.Name))
                errors.Add(new(PipelineErrors.BadStageName, $"stage name '{stage.Name}' is not valid: use letters, digits, '_', '-' and '.', not starting with '.' or '-'", stage.File, stage.Line));
            if (!byName.TryAdd(stage.Name, stage))
                errors.Add(new(PipelineErrors.DuplicateStage, $"stage '{stage.Name}' is declared twice (first at line {byName[stage.Name].Line}); stage names must be unique", stage.File, stage.Line));
            CheckKindAndParameters(stage, catalog, errors);
        }
        foreach (var stage in stages)
            foreach (var up in stage.Upstream.Where(u => !byName.ContainsKey(u)))
                errors.Add(new(PipelineErrors.MissingUpstream, $"stage '{stage.Name}' lists upstream '{up}', which is not a declared stage; declared: {string.Join(", ", byName.Keys)}", stage.File, stage.Line));
        if (errors.Count > 0)
            return new PipelinePlan([], errors);

        var order = StageOrder.Sort(stages, out var cycle);
        if (cycle is not null)
        {
            var first = byName[cycle[0]];
            errors.Add(new(PipelineErrors.Cycle, $"stages depend on each other in a cycle: {string.Join(" -> ", cycle)}; remove one of these Upstream links", first.File, first.Line));
            return new PipelinePlan([], errors);
        }
        UpstreamRules.Check(order, catalog, errors);
        return new PipelinePlan(errors.Count > 0 ? [] : order, errors);
    }

    private static void CheckKindAndParameters(StageDeclaration stage, KindCatalog catalog, List<PipelineDiagnostic> errors)
    {
        // An empty value is a mistake (an unset property, a typo), never a request for the default.
        foreach (var name in stage.BlankMetadata ?? [])
            errors.Add(new(PipelineErrors.BlankValue, $"stage '{stage.Name}': {name} is written with an empty value; give it a value, or remove {name} to use {DefaultText(stage, catalog, name)}", stage.File, stage.Line));
        if (string.IsNullOrWhiteSpace(stage.Kind))
        {
            errors.Add(new(PipelineErrors.MissingKind, $"stage '{stage.Name}' has no Kind; add Kind=\"...\" (one of {string.Join(", ", catalog.Kinds.Keys)})", stage.File, stage.Line));
            return;
        }
        if (!catalog.TryGet(stage.Kind, out var kind))
        {
            errors.Add(new(PipelineErrors.UnknownKind, $"stage '{stage.Name}' has unknown Kind '{stage.Kind}'; known kinds: {string.Join(", ", catalog.Kinds.Keys)}", stage.File, stage.Line));
            return;
        }
        foreach (var (name, value) in stage.Parameters)
        {
            if (!kind.Parameters.TryGetValue(name, out var rule))
                errors.Add(new(PipelineErrors.UnknownParameter, $"stage '{stage.Name}': '{name}' is not a parameter of kind '{kind.Name}'; its parameters: {string.Join(", ", kind.Parameters.Keys)} ({string.Join(", ", StageDeclaration.ReservedMetadata)} are reserved)", stage.File, stage.Line));
            else if (rule.Check(value) is { } why)
                errors.Add(new(PipelineErrors.BadValue, $"stage '{stage.Name}': {rule.Name}={value}: {why} (expected {rule.Describe()})", stage.File, stage.Line));
        }
    }

    private static string DefaultText(StageDeclaration stage, KindCatalog catalog, string name) =>
        catalog.TryGet(stage.Kind, out var kind) && kind.Parameters.TryGetValue(name, out var rule) ? $"the default '{rule.Default}'"
        : name.Equals("Upstream", StringComparison.OrdinalIgnoreCase) ? "no upstream stage" : "the default";
}

/// <summary>Stages in run order, or the errors that prevent running them.</summary>
public sealed record PipelinePlan(IReadOnlyList<StageDeclaration> Ordered, IReadOnlyList<PipelineDiagnostic> Errors);
