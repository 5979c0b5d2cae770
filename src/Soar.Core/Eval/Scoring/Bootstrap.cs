using Soar.Core.Training;

namespace Soar.Core.Eval.Scoring;

/// <summary>
/// Percentile bootstrap with resampling inside strata (tasks) from a seeded generator. A statistic sees the same
/// resampled item indices for every arm, which makes differences between arms paired.
/// </summary>
public static class Bootstrap
{
    public const int DefaultReplicates = 1000;

    /// <param name="strata">Stratum of each item (items are resampled within their stratum).</param>
    /// <param name="statistic">Computes the statistic over the resampled item indices.</param>
    public static (double Lower, double Upper) Interval(IReadOnlyList<int> strata, Func<int[], double> statistic, long seed,
        int replicates = DefaultReplicates)
    {
        if (strata.Count == 0) return (double.NaN, double.NaN);
        var members = strata.Select((s, i) => (s, i)).GroupBy(t => t.s).Select(g => g.Select(t => t.i).ToArray()).ToArray();
        var rng = new SplitMix64(SplitMix64.Derive(seed, "bootstrap", strata.Count));
        var values = new double[replicates];
        var sample = new int[strata.Count];
        for (int r = 0; r < replicates; r++)
        {
            int at = 0;
            foreach (var group in members)
                for (int j = 0; j < group.Length; j++) sample[at++] = group[rng.NextInt(group.Length)];
            values[r] = statistic(sample);
        }
        Array.Sort(values);
        return (Quantile(values, 0.025), Quantile(values, 0.975));
    }

    private static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
