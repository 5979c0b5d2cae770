using Soar.Core.Eval.Scoring;

namespace Soar.Core.Stages.Eval;

/// <summary>
/// Per group: every headline number of its arms (per prompt set the main and per-task scores; per arm the Fréchet
/// distance and the drift numbers per injection step) averaged over the arms with a Student t interval, and Welch
/// differences against the first group. Each arm's number already averages its images, so the interval holds the
/// variation between training seeds.
/// </summary>
public static class GroupStatistics
{
    /// <summary>Every group's per-arm values, measured once for metrics.json, report.html and the stage metrics.</summary>
    public static IReadOnlyList<GroupValues> Measure(EvalRun run, IReadOnlyList<ArmGroup> groups) =>
        groups.Select(g =>
        {
            var arms = g.Arms.Select(name => run.Arms.First(a => a.Name == name)).ToList();
            var perSet = run.Sets.ToDictionary(s => s.Name, s => SetValues(run, s, arms));
            return new GroupValues(g, ArmValues(run, arms), perSet);
        }).ToArray();

    /// <summary>Metric key -> one value per arm, for the keys every arm has a finite value of (keys in the order added).</summary>
    private sealed class Collector(List<ArmResult> arms)
    {
        public Dictionary<string, IReadOnlyList<double>> Values { get; } = new();

        public void Add(string key, Func<ArmResult, double?> value)
        {
            var values = arms.Select(value).ToList();
            if (values.All(v => v is { } x && double.IsFinite(x))) Values[key] = values.Select(v => v!.Value).ToArray();
        }
    }

    /// <summary>A set's main score and per-task scores of each arm.</summary>
    private static IReadOnlyDictionary<string, IReadOnlyList<double>> SetValues(EvalRun run, EvalPromptSet set, List<ArmResult> arms)
    {
        var c = new Collector(arms);
        if (run.Metric is { } metric) c.Add(metric, a => EvalStatistics.MainScore(run, set, a));
        var tasks = arms.Select(a => EvalStatistics.Tasks(run, set, a)).ToList();
        foreach (var task in tasks[0].Keys)
            c.Add($"task.{task}", a => tasks[arms.IndexOf(a)].TryGetValue(task, out var s) ? s.Mean : null);
        return c.Values;
    }

    /// <summary>The arm-level numbers: Fréchet distance, then drift per injection step.</summary>
    private static IReadOnlyDictionary<string, IReadOnlyList<double>> ArmValues(EvalRun run, List<ArmResult> arms)
    {
        var c = new Collector(arms);
        c.Add("frechet", a => a.Frechet?.Distance);
        foreach (var step in arms[0].Drift.Select(d => d.Step))
        {
            // One summary per arm and step (each runs bootstraps), shared by the three drift keys.
            var summaries = arms.ToDictionary(a => a, a => a.Drift.FirstOrDefault(d => d.Step == step) is { } r ? EvalStatistics.Drift(r, run.Seed) : null);
            c.Add($"drift.step{step}.perturbed", a => summaries[a]?.Perturbed?.Mean);
            c.Add($"drift.step{step}.critique", a => summaries[a]?.Critique?.Mean);
            c.Add($"drift.step{step}.image_distance", a => summaries[a]?.ImageDistance.Mean);
        }
        return c.Values;
    }

    public static IReadOnlyDictionary<string, ScoreSummary> Summaries(IReadOnlyDictionary<string, IReadOnlyList<double>> values) =>
        values.ToDictionary(kv => kv.Key, kv => StudentT.Mean(kv.Value));

    /// <summary>Welch difference group - baseline for every metric both have.</summary>
    public static IReadOnlyDictionary<string, ScoreSummary> Differences(IReadOnlyDictionary<string, IReadOnlyList<double>> group,
        IReadOnlyDictionary<string, IReadOnlyList<double>> baseline) =>
        group.Where(kv => baseline.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => StudentT.WelchDifference(kv.Value, baseline[kv.Key]));
}
