namespace Soar.Core.Rl;

/// <summary>
/// Group-relative advantages: A = (R - mean of the prompt's group) / (std + 1e-4), clipped to [-clip, clip].
/// Groups are keyed by caption, as the reference's per-prompt tracker does. The std is the population std of the
/// group, or of the whole batch with <c>globalStd</c> (what the reference GenEval and OCR configs use).
/// </summary>
public static class GroupAdvantages
{
    public const double Epsilon = 1e-4;

    public static double[] Compute(IReadOnlyList<string> captions, IReadOnlyList<double> rewards, bool globalStd, double clip)
    {
        if (captions.Count != rewards.Count) throw new ArgumentException($"{captions.Count} captions but {rewards.Count} rewards");
        double batchStd = PopulationStd(rewards);
        var advantages = new double[rewards.Count];
        foreach (var group in Enumerable.Range(0, rewards.Count).GroupBy(i => captions[i], StringComparer.Ordinal))
        {
            var members = group.ToArray();
            var values = members.Select(i => rewards[i]).ToArray();
            // An all-equal group carries no signal: exactly zero, not the rounding error of its mean.
            if (values.All(v => v == values[0])) continue;
            double mean = values.Average();
            double std = globalStd ? batchStd : PopulationStd(values);
            foreach (var i in members) advantages[i] = Math.Clamp((rewards[i] - mean) / (std + Epsilon), -clip, clip);
        }
        return advantages;
    }

    /// <summary>Share of prompt groups whose rewards are all equal (they carry no learning signal).</summary>
    public static double ZeroStdFraction(IReadOnlyList<string> captions, IReadOnlyList<double> rewards)
    {
        var groups = Enumerable.Range(0, rewards.Count).GroupBy(i => captions[i], StringComparer.Ordinal).ToArray();
        int flat = groups.Count(g => g.Select(i => rewards[i]).Distinct().Count() == 1);
        return groups.Length == 0 ? 0 : (double)flat / groups.Length;
    }

    public static double PopulationStd(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Count);
    }
}
