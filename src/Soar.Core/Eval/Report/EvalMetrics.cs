using System.Text.Json.Nodes;
using Soar.Core.Eval.Scoring;
using Soar.Core.Stages.Eval;

namespace Soar.Core.Eval.Report;

/// <summary>Builds metrics.json: settings, and per arm every score with its 95% interval and n, drift per step, Fréchet distance, paired differences, and per seed group its means (t intervals) and Welch differences.</summary>
public static class EvalMetrics
{
    public const string FrechetNote = "Fréchet distance in the feature space of a small CNN trained by this eval on the real images; not comparable to FID (no Inception network).";

    public static JsonObject Build(EvalRun run, IReadOnlyList<string> grids)
    {
        var arms = new JsonArray();
        foreach (var arm in run.Arms)
        {
            var tasks = new JsonObject();
            foreach (var (task, s) in EvalStatistics.Tasks(run, arm)) tasks[task] = Node(s);
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
                ["images"] = arm.Items.Count,
                [run.Metric ?? "score"] = run.Metric is null ? null : Node(EvalStatistics.Main(run, arm)),
                ["tasks"] = tasks,
                ["drift"] = drift,
                ["frechet"] = arm.Frechet is { } f ? new JsonObject
                {
                    ["distance"] = f.Distance, ["ci95"] = new JsonArray(f.Lower, f.Upper), ["n_generated"] = f.Generated, ["n_real"] = f.Real, ["note"] = FrechetNote,
                } : null,
            });
        }
        var comparisons = new JsonArray();
        if (run.Metric is { } metric)
            foreach (var arm in run.Arms.Skip(1))
            {
                var d = EvalStatistics.Difference(run, arm, run.Arms[0]);
                comparisons.Add(new JsonObject { ["arm"] = arm.Name, ["baseline"] = run.Arms[0].Name, ["metric"] = metric, ["difference"] = Finite(d.Mean), ["ci95"] = Interval(d), ["n"] = d.N, ["paired"] = true });
            }
        var groups = new JsonArray();
        foreach (var group in run.Groups)
        {
            var values = new JsonObject();
            foreach (var (key, perArm) in group.PerArm)
            {
                var node = Node(StudentT.Mean(perArm))!;
                node["per_arm"] = new JsonArray(perArm.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
                values[key] = node;
            }
            groups.Add(new JsonObject { ["name"] = group.Name, ["arms"] = new JsonArray(group.Group.Arms.Select(a => (JsonNode?)a).ToArray()), ["metrics"] = values });
        }
        var groupComparisons = new JsonArray();
        foreach (var group in run.Groups.Skip(1))
        {
            var values = new JsonObject();
            foreach (var (key, d) in GroupStatistics.Differences(group, run.Groups[0]))
                values[key] = new JsonObject { ["difference"] = Finite(d.Mean), ["ci95"] = Interval(d), ["n"] = d.N };
            groupComparisons.Add(new JsonObject { ["group"] = group.Name, ["baseline"] = run.Groups[0].Name, ["interval"] = "welch_t", ["metrics"] = values });
        }
        var settings = new JsonObject();
        foreach (var (k, v) in run.Settings.OrderBy(kv => kv.Key, StringComparer.Ordinal)) settings[k] = v;
        return new JsonObject
        {
            ["stage"] = run.Stage,
            ["world"] = run.World,
            ["metric"] = run.Metric,
            ["prompts"] = run.Prompts.Count,
            ["samples_per_prompt"] = run.SamplesPerPrompt,
            ["settings"] = settings,
            ["arms"] = arms,
            ["comparisons"] = comparisons,
            ["groups"] = groups,
            ["group_comparisons"] = groupComparisons,
            ["grids"] = new JsonArray(grids.Select(g => (JsonNode)g!).ToArray()),
        };
    }

    public static JsonObject? Node(ScoreSummary? s) => s is null ? null : new JsonObject
    {
        ["mean"] = Finite(s.Mean), ["ci95"] = Interval(s), ["n"] = s.N,
    };

    private static JsonArray Interval(ScoreSummary s) => new(Finite(s.Lower), Finite(s.Upper));

    // JSON has no NaN: an undefined number (no images) is written as null.
    private static JsonNode? Finite(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
