namespace Soar.Core.Rl;

/// <summary>What a Flow-GRPO run did: mean reward per step, updates skipped for collapse, and where the time went.</summary>
public sealed record FlowGrpoSummary(IReadOnlyList<double> MeanRewards, int SkippedSteps, TimeSpan Elapsed, TimeSpan RolloutTime, TimeSpan UpdateTime, int RolloutImages);
