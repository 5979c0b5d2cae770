namespace Soar.Core.Stages.Eval;

/// <summary>
/// A seed group and its headline numbers, one value per arm in the group's order, keyed by metric (see
/// <see cref="GroupStatistics"/>): the arm-level ones (Fréchet distance, drift) and, per prompt set, the scores.
/// </summary>
public sealed record GroupValues(ArmGroup Group, IReadOnlyDictionary<string, IReadOnlyList<double>> PerArm,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<double>>> PerSet)
{
    public string Name => Group.Name;
}
