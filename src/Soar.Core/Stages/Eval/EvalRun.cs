namespace Soar.Core.Stages.Eval;

/// <summary>
/// A finished evaluation: its settings, prompt sets, every arm's results, the seed groups of arms and the set the drift
/// test ran on (what metrics.json and report.html show).
/// </summary>
public sealed record EvalRun(string Stage, string World, string? Metric, IReadOnlyList<EvalPromptSet> Sets, int SamplesPerPrompt,
    IReadOnlyDictionary<string, string> Settings, IReadOnlyList<ArmResult> Arms, long Seed, IReadOnlyList<GroupValues> Groups, string? DriftSet)
{
    /// <summary>The dataset's own image for a prompt that is one of its validation captions (shown beside the arms in report.html).</summary>
    public IReadOnlyDictionary<string, Imaging.RgbImage> RealImages { get; init; } = new Dictionary<string, Imaging.RgbImage>();
}
