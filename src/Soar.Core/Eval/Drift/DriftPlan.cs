using System.Globalization;

namespace Soar.Core.Eval.Drift;

/// <summary>
/// Where and how the drift test perturbs the sampler's state. Injection step j means the state at s_j, before
/// Euler step j runs; entries in (0, 1) are fractions of the trajectory, whole numbers are step indices.
/// </summary>
public sealed record DriftPlan(IReadOnlyList<int> Steps, double Norm, string Mode)
{
    public const string NoiseMode = "noise";
    public const string CoarseMode = "coarse";

    public static DriftPlan Parse(string steps, int samplingSteps, double norm, string mode)
    {
        if (mode != NoiseMode && mode != CoarseMode) throw new ArgumentException($"DriftMode must be {NoiseMode} or {CoarseMode}, got '{mode}'");
        var result = new SortedSet<int>();
        foreach (var raw in steps.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0)
                throw new ArgumentException($"DriftSteps entry '{raw}' is not a positive number (fractions in (0, 1) or step indices 1..{samplingSteps - 1})");
            int j = v < 1 ? (int)Math.Round(v * samplingSteps) : (int)v;
            if (v >= 1 && v != Math.Floor(v)) throw new ArgumentException($"DriftSteps entry '{raw}': a step index must be a whole number");
            if (j < 1 || j > samplingSteps - 1)
                throw new ArgumentException($"DriftSteps entry '{raw}' gives step {j}; with Steps={samplingSteps} an injection step must lie in 1..{samplingSteps - 1}");
            result.Add(j);
        }
        return new DriftPlan(result.ToArray(), norm, mode);
    }
}
