namespace Soar.Core.Stages.Eval;

/// <summary>
/// Everything measured for one checkpoint (arm) of the evaluation: its images per prompt set (keyed by set name), the
/// drift test (on the run's drift set) and the Fréchet distance.
/// </summary>
public sealed record ArmResult(string Name, string CheckpointDir, IReadOnlyDictionary<string, IReadOnlyList<EvalItem>> Items,
    IReadOnlyList<DriftRun> Drift, FrechetResult? Frechet)
{
    public int ImageCount => Items.Values.Sum(i => i.Count);
}
