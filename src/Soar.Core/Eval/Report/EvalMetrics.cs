using System.Text.Json.Nodes;
using Soar.Core.Eval.Scoring;
using Soar.Core.Stages.Eval;

namespace Soar.Core.Eval.Report;

/// <summary>
/// Builds metrics.json: settings; per prompt set its prompts and, per arm, the main score and every task score with
/// its 95% interval and n, the paired differences, and per seed group its means (t intervals) and Welch differences;
/// per arm the drift per step and the Fréchet distance, with their group means and differences.
/// </summary>
public static class EvalMetrics
{
    public const string FrechetNote = "Fréchet distance in the feature space of a small CNN trained by this eval on the real images; not comparable to FID (no Inception network).";

    public static JsonObject Build(EvalRun run, IReadOnlyList<string> grids)
    {
        var sets = new JsonObject();
        foreach (var set in run.Sets) sets[set.Name] = SetNode(run, set);
        var arms = new JsonArray();
        foreach (var arm in run.Arms)
        {
            var drift = new JsonArray();
            foreach (var d in arm.Drift.Select(r => EvalStatistics.Drift(r, run.Seed)))
                drift.Add(new JsonObject
                {
                    ["step"] = d.Step, ["fraction"] = d.Fraction, ["sigma"] = d.Sigma,
                    ["clean"] = Node(d.Clean), ["perturbed"] = Node(d.Perturbed), ["retention"] = d.Retention,
                    ["confidence"] = Node(d.Confidence), ["critique"] = Node(d.Critique), ["image_distance"] = Node(d.ImageDistance),
                });
            arms.Add(new JsonObject
            {
                ["name"] = arm.Name,
                ["checkpoint"] = arm.CheckpointDir,
                ["images"] = arm.ImageCount,
                ["drift"] = drift,
                ["frechet"] = arm.Frechet is { } f ? new JsonObject
                {
                    ["distance"] = f.Distance, ["ci95"] = new JsonArray(f.Lower, f.Upper), ["n_generated"] = f.Generated, ["n_real"] = f.Real, ["note"] = FrechetNote,
                } : null,
            });
        }
        var (groups, groupComparisons) = GroupNodes(run, g => g.PerArm);
        var settings = new JsonObject();
        foreach (var (k, v) in run.Settings.OrderBy(kv => kv.Key, StringComparer.Ordinal)) settings[k] = v;
        return new JsonObject
        {
            ["stage"] = run.Stage,
            ["world"] = run.World,
            ["metric"] = run.Metric,
            ["samples_per_prompt"] = run.SamplesPerPrompt,
            ["settings"] = settings,
            ["prompt_sets"] = sets,
            ["drift_prompt_set"] = run.DriftSet,
            ["arms"] = arms,
            ["groups"] = groups,
            ["group_comparisons"] = groupComparisons,
            ["grids"] = new JsonArray(grids.Select(g => (JsonNode)g!).ToArray()),
        };
    }

    /// <summary>One prompt set: its prompts, each arm's scores, paired differences and the seed groups' scores.</summary>
    private static JsonObject SetNode(EvalRun run, EvalPromptSet set)
    {
        var arms = new JsonArray();
        foreach (var arm in run.Arms)
        {
            var tasks = new JsonObject();
            foreach (var (task, s) in EvalStatistics.Tasks(run, set, arm)) tasks[task] = Node(s);
            arms.Add(new JsonObject
            {
                ["name"] = arm.Name,
                ["images"] = arm.Items[set.Name].Count,
                [run.Metric ?? "score"] = run.Metric is null ? null : Node(EvalStatistics.Main(run, set, arm)),
                ["tasks"] = tasks,
            });
        }
        var comparisons = new JsonArray();
        if (run.Metric is { } metric)
            foreach (var arm in run.Arms.Skip(1))
            {
                var d = EvalStatistics.Difference(run, set, arm, run.Arms[0]);
                comparisons.Add(new JsonObject { ["arm"] = arm.Name, ["baseline"] = run.Arms[0].Name, ["metric"] = metric, ["difference"] = Finite(d.Mean), ["ci95"] = Interval(d), ["n"] = d.N, ["paired"] = true });
            }
        var (groups, groupComparisons) = GroupNodes(run, g => g.PerSet[set.Name]);
        return new JsonObject
        {
            ["description"] = set.Description,
            ["prompts"] = set.Prompts.Count,
            ["tasks"] = new JsonArray(set.Families.Select(f => (JsonNode?)f).ToArray()),
            ["noise_stream"] = EvalStage.NoiseStream(set),
            ["arms"] = arms,
            ["comparisons"] = comparisons,
            ["groups"] = groups,
            ["group_comparisons"] = groupComparisons,
        };
    }

    /// <summary>Each group's mean over its arms (t interval, with the per-arm values) and the Welch differences to the first group.</summary>
    private static (JsonArray Groups, JsonArray Comparisons) GroupNodes(EvalRun run, Func<GroupValues, IReadOnlyDictionary<string, IReadOnlyList<double>>> values)
    {
        var groups = new JsonArray();
        foreach (var group in run.Groups)
        {
            var metrics = new JsonObject();
            foreach (var (key, perArm) in values(group))
            {
                var node = Node(StudentT.Mean(perArm))!;
                node["per_arm"] = new JsonArray(perArm.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
                metrics[key] = node;
            }
            groups.Add(new JsonObject { ["name"] = group.Name, ["arms"] = new JsonArray(group.Group.Arms.Select(a => (JsonNode?)a).ToArray()), ["metrics"] = metrics });
        }
        var comparisons = new JsonArray();
        foreach (var group in run.Groups.Skip(1))
        {
            var metrics = new JsonObject();
            foreach (var (key, d) in GroupStatistics.Differences(values(group), values(run.Groups[0])))
                metrics[key] = new JsonObject { ["difference"] = Finite(d.Mean), ["ci95"] = Interval(d), ["n"] = d.N };
            comparisons.Add(new JsonObject { ["group"] = group.Name, ["baseline"] = run.Groups[0].Name, ["interval"] = "welch_t", ["metrics"] = metrics });
        }
        return (groups, comparisons);
    }

    public static JsonObject? Node(ScoreSummary? s) => s is null ? null : new JsonObject
    {
        ["mean"] = Finite(s.Mean), ["ci95"] = Interval(s), ["n"] = s.N,
    };

    private static JsonArray Interval(ScoreSummary s) => new(Finite(s.Lower), Finite(s.Upper));

    // JSON has no NaN: an undefined number (no images) is written as null.
    private static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
