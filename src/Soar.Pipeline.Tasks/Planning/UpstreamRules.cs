using System.Globalization;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// Kind-against-upstream rules checked at plan time, so a mistake that only shows once a stage runs fails the
/// build before anything trains (SOAR1018): each upstream fits the kind's catalog "upstream" rule; sample, eval and
/// flow-grpo prompts that need a built-in world are not used on custom data, and prompts that need a dataset's
/// captions have that dataset upstream; BatchSize fits in the rows a built-in world is asked for.
/// </summary>
public static class UpstreamRules
{
    private const string ModelPackage = "ModelPackage";

    /// <summary>Per kind: the Prompts values that exist only for a built-in world, and the one that reads the dataset's captions.</summary>
    private static readonly Dictionary<string, (string[] WorldOnly, string FromDataset)> PromptSets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sample"] = (["heldout", "eval"], "validation"),
        ["eval"] = (["eval", "heldout"], "validation"),
        ["flow-grpo"] = (["train"], "dataset"),
    };

    public static void Check(IReadOnlyList<StageDeclaration> ordered, KindCatalog catalog, List<PipelineDiagnostic> errors)
    {
        var planned = new Dictionary<string, (KindInfo Kind, DataOrigin Origin)>(StringComparer.OrdinalIgnoreCase);
        var declared = ordered.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        foreach (var stage in ordered)
        {
            var kind = catalog.Kinds[stage.Kind];
            if (kind.Upstream is { OrderOnly: false } rule) CheckRoles(stage, kind, rule, declared, catalog, errors);
            var origin = kind.Produces == "dataset" ? DataOrigin.OfCurate(stage, kind, catalog) : DataOrigin.Inherited(stage, planned);
            planned[stage.Name] = (kind, origin);
            if (PromptSets.TryGetValue(kind.Name, out var sets)) CheckPrompts(stage, kind, sets.WorldOnly, sets.FromDataset, origin, planned, catalog, errors);
            CheckBatchSize(stage, kind, planned, declared, errors);
        }
    }

    private static void CheckRoles(StageDeclaration stage, KindInfo kind, UpstreamRule rule, Dictionary<string, StageDeclaration> declared,
        KindCatalog catalog, List<PipelineDiagnostic> errors)
    {
        var byRole = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var up in stage.Upstream.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var upKind = catalog.Kinds[declared[up].Kind];
            if (rule.Find(upKind.Produces) is null)
                errors.Add(Error(stage, $"stage '{stage.Name}' ({kind.Name}) lists upstream '{up}', a {upKind.Name} stage, whose output ({upKind.Produces}) a {kind.Name} stage does not read; it reads {rule}"));
            else if (byRole.TryGetValue(upKind.Produces, out var list)) list.Add(up);
            else byRole[upKind.Produces] = [up];
        }
        foreach (var role in rule.Roles)
        {
            var found = byRole.TryGetValue(role.Name, out var names) ? names : [];
            if (found.Count > 1 && !role.Many)
                errors.Add(Error(stage, $"stage '{stage.Name}' ({kind.Name}) reads {found.Count} {role.Name}s ({string.Join(", ", found)}); it uses one, so list only that one in Upstream"));
            bool fromPackage = role.Name == "model" && stage.Parameters.ContainsKey(ModelPackage);
            if (found.Count == 0 && role.Required && !fromPackage)
            {
                var candidates = declared.Values.Where(s => catalog.Kinds[s.Kind].Produces == role.Name && s.Name != stage.Name).Select(s => s.Name).ToList();
                var hint = candidates.Count > 0
                    ? $"add one to Upstream, e.g. Upstream=\"{string.Join(";", stage.Upstream.Append(candidates[0]))}\""
                    : $"declare a stage that produces a {role.Name} and list it in Upstream";
                if (role.Name == "model" && kind.Parameters.ContainsKey(ModelPackage)) hint += ", or set ModelPackage=\"Id/Version\" (or a <BaseModel>)";
                errors.Add(Error(stage, $"stage '{stage.Name}' ({kind.Name}) reads no {role.Name}; {hint}"));
            }
        }
    }

    private static void CheckPrompts(StageDeclaration stage, KindInfo kind, string[] worldOnly, string fromDataset, DataOrigin origin,
        Dictionary<string, (KindInfo Kind, DataOrigin Origin)> planned, KindCatalog catalog, List<PipelineDiagnostic> errors)
    {
        var prompts = kind.Value(stage.Parameters, "Prompts").Trim();
        bool readsDataset = stage.Upstream.Any(u => planned.TryGetValue(u, out var p) && p.Kind.Produces == "dataset");
        string withDataset = origin.DatasetStage is { } ds
            ? $"Upstream=\"{string.Join(";", stage.Upstream.Append(ds).Distinct(StringComparer.OrdinalIgnoreCase))}\""
            : "the curate stage in Upstream";
        if (origin.IsCustom && worldOnly.Contains(prompts, StringComparer.OrdinalIgnoreCase))
            errors.Add(Error(stage, $"stage '{stage.Name}' ({kind.Name}): Prompts={prompts} exists only for a built-in world ({string.Join(", ", catalog.Worlds)}), but its model learns from custom data (stage '{origin.DatasetStage}', Source={origin.Source}); use Prompts={fromDataset} with {withDataset}, or captions separated by '|'"));
        bool auto = prompts.Equals("auto", StringComparison.OrdinalIgnoreCase);
        bool needsDataset = prompts.Equals(fromDataset, StringComparison.OrdinalIgnoreCase) || (auto && origin.IsCustom);
        if (needsDataset && !readsDataset)
            errors.Add(Error(stage, $"stage '{stage.Name}' ({kind.Name}): Prompts={prompts}{(auto ? $" (the default) on custom data (stage '{origin.DatasetStage}', Source={origin.Source})" : "")} takes the dataset's {(fromDataset == "dataset" ? "training" : "validation")} captions, but no dataset is upstream; add it: {withDataset}, or give captions separated by '|'"));
    }

    /// <summary>A built-in world makes exactly Count rows, so a batch larger than that cannot be filled (custom data is checked by the worker, SOAR2108).</summary>
    private static void CheckBatchSize(StageDeclaration stage, KindInfo kind, Dictionary<string, (KindInfo Kind, DataOrigin Origin)> planned,
        Dictionary<string, StageDeclaration> declared, List<PipelineDiagnostic> errors)
    {
        if (!kind.Parameters.ContainsKey("BatchSize")) return;
        var dataset = stage.Upstream.FirstOrDefault(u => planned.TryGetValue(u, out var p) && p.Kind.Produces == "dataset");
        if (dataset is null || planned[dataset].Origin.World is null) return;
        var curate = planned[dataset].Kind;
        if (!int.TryParse(kind.Value(stage.Parameters, "BatchSize"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var batch)
            || !int.TryParse(curate.Value(declared[dataset].Parameters, "Count"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count)
            || batch <= count) return;
        errors.Add(Error(stage, $"stage '{stage.Name}' ({kind.Name}): BatchSize={batch} is larger than the {count} rows stage '{dataset}' curates (Count={count}, fewer after the validation split); set BatchSize to at most the training rows or raise Count"));
    }

    private static PipelineDiagnostic Error(StageDeclaration stage, string message) => new(PipelineErrors.UpstreamMismatch, message, stage.File, stage.Line);
}
