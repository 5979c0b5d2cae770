using Soar.Core.Eval.Scoring;

namespace Soar.Core.Stages.Eval;

/// <summary>
/// Per group: every headline number of its arms (main score, per-task scores, Fréchet distance, drift numbers per
/// injection step) averaged over the arms with a Student t interval, and Welch differences against the first group.
/// Each arm's number already averages its images, so the interval holds the variation between training seeds.
/// </summary>
public static class GroupStatistics
{
    /// <summary>Every group's per-arm values, measured once for metrics.json, report.html and the stage metrics.</summary>
    public static IReadOnlyList<GroupValues> Measure(EvalRun run, IReadOnlyList<ArmGroup> groups) =>
        groups.Select(g => new GroupValues(g, PerArm(run, g))).ToArray();

    /// <summary>Metric key -> one value per arm of the group, in a stable order (main, tasks, frechet, drift).</summary>
    private static IReadOnlyDictionary<string, IReadOnlyList<double>> PerArm(EvalRun run, ArmGroup group)
    {
        var arms = group.Arms.Select(name => run.Arms.First(a => a.Name == name)).ToList();
        var result = new Dictionary<string, IReadOnlyList<double>>();
        void Add(string key, Func<ArmResult, double?> value)
        {
            var values = arms.Select(value).ToList();
            if (values.All(v => v is { } x && double.IsFinite(x))) result[key] = values.Select(v => v!.Value).ToArray();
        }
        if (run.Metric is { } metric) Add(metric, a => EvalStatistics.MainScore(run, a, Enumerable.Range(0, a.Items.Count)));
        var tasks = arms.Select(a => EvalStatistics.Tasks(run, a)).ToList();
        foreach (var task in tasks[0].Keys)
            Add($"task.{task}", a => tasks[arms.IndexOf(a)].TryGetValue(task, out var s) ? s.Mean : null);
        Add("frechet", a => a.Frechet?.Distance);
        foreach (var step in arms[0].Drift.Select(d => d.Step))
        {
            // One summary per arm and step (each runs bootstraps), shared by the three drift keys.
            var summaries = arms.ToDictionary(a => a, a => a.Drift.FirstOrDefault(d => d.Step == step) is { } r ? EvalStatistics.Drift(r, run.Seed) : null);
            Add($"drift.step{step}.perturbed", a => summaries[a]?.Perturbed?.Mean);
            Add($"drift.step{step}.critique", a => summaries[a]?.Critique?.Mean);
            Add($"drift.step{step}.image_distance", a => summaries[a]?.ImageDistance.Mean);
        }
        return result;
    }

    public static IReadOnlyDictionary<string, ScoreSummary> Summaries(GroupValues group) =>
        group.PerArm.ToDictionary(kv => kv.Key, kv => StudentT.Mean(kv.Value));

    /// <summary>Welch difference group - baseline for every metric both groups have.</summary>
    public static IReadOnlyDictionary<string, ScoreSummary> Differences(GroupValues group, GroupValues baseline) =>
        group.PerArm.Where(kv => baseline.PerArm.ContainsKey(kv.Key))
            .ToDictionary(kv => kv.Key, kv => StudentT.WelchDifference(kv.Value, baseline.PerArm[kv.Key]));
}
