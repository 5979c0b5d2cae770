namespace Soar.Core.Stages.Eval;

/// <summary>Everything measured for one checkpoint (arm) of the evaluation.</summary>
public sealed record ArmResult(string Name, string CheckpointDir, IReadOnlyList<EvalItem> Items, IReadOnlyList<DriftRun> Drift, FrechetResult? Frechet);
