namespace Soar.Core.Stages.Eval;

/// <summary>A seed group and its headline numbers, one value per arm in the group's order, keyed by metric (see <see cref="GroupStatistics"/>).</summary>
public sealed record GroupValues(ArmGroup Group, IReadOnlyDictionary<string, IReadOnlyList<double>> PerArm)
{
    public string Name => Group.Name;
}
