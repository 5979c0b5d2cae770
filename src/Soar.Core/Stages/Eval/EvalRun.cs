namespace Soar.Core.Stages.Eval;

/// <summary>A finished evaluation: its settings, prompt set, every arm's results and the seed groups of arms (what metrics.json and report.html show).</summary>
public sealed record EvalRun(string Stage, string World, string? Metric, IReadOnlyList<EvalPrompt> Prompts, int SamplesPerPrompt,
    IReadOnlyDictionary<string, string> Settings, IReadOnlyList<ArmResult> Arms, long Seed, IReadOnlyList<GroupValues> Groups);
