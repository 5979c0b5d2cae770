namespace Soar.Core.Eval.Scoring;

/// <summary>95% intervals: Wilson's score interval for 0/1 outcomes.</summary>
public static class ConfidenceInterval
{
    public const double Z95 = 1.959963984540054;

    /// <summary>Wilson score interval for <paramref name="successes"/> out of <paramref name="n"/>.</summary>
    public static (double Lower, double Upper) Wilson(int successes, int n, double z = Z95)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "need at least one trial");
        if (successes < 0 || successes > n) throw new ArgumentOutOfRangeException(nameof(successes), $"{successes} successes out of {n}");
        double p = successes / (double)n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    public static ScoreSummary WilsonSummary(IReadOnlyCollection<bool> outcomes)
    {
        int k = outcomes.Count(o => o), n = outcomes.Count;
        if (n == 0) return new ScoreSummary(double.NaN, double.NaN, double.NaN, 0);
        var (lo, hi) = Wilson(k, n);
        return new ScoreSummary(k / (double)n, lo, hi, n);
    }
}
