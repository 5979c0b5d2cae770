namespace Soar.Core.Eval.Scoring;

/// <summary>
/// 95% intervals from a few independent runs (training seeds): Student's t for one mean, Welch's t for the
/// difference of two means with unequal variances.
/// </summary>
public static class StudentT
{
    // Two-sided 95% critical values t(0.975, df) for df = 1..30 (standard tables).
    private static readonly double[] Table =
    [
        12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
        2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
        2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
    ];

    /// <summary>t(0.975, df); a fractional df (Welch) is rounded down, which widens the interval slightly.</summary>
    public static double Quantile975(double df)
    {
        if (!(df >= 1)) throw new ArgumentOutOfRangeException(nameof(df), df, "a t interval needs at least 1 degree of freedom");
        int k = (int)Math.Floor(df);
        if (k <= Table.Length) return Table[k - 1];
        // Cornish-Fisher expansion around the normal quantile: within 1e-4 of the exact value for df > 30.
        double z = ConfidenceInterval.Z95, z3 = z * z * z, z5 = z3 * z * z;
        return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
    }

    /// <summary>Mean of the values with a t interval (n - 1 degrees of freedom); one value has no interval (NaN bounds).</summary>
    public static ScoreSummary Mean(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return new ScoreSummary(double.NaN, double.NaN, double.NaN, 0);
        double mean = values.Average();
        if (n == 1) return new ScoreSummary(mean, double.NaN, double.NaN, 1);
        double half = Quantile975(n - 1) * Math.Sqrt(Variance(values, mean) / n);
        return new ScoreSummary(mean, mean - half, mean + half, n);
    }

    /// <summary>Difference mean(a) - mean(b) with Welch's interval (Welch-Satterthwaite degrees of freedom).</summary>
    public static ScoreSummary WelchDifference(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count == 0 || b.Count == 0) return new ScoreSummary(double.NaN, double.NaN, double.NaN, 0);
        double ma = a.Average(), mb = b.Average(), d = ma - mb;
        if (a.Count < 2 || b.Count < 2) return new ScoreSummary(d, double.NaN, double.NaN, a.Count + b.Count);
        double va = Variance(a, ma) / a.Count, vb = Variance(b, mb) / b.Count, se2 = va + vb;
        if (se2 == 0) return new ScoreSummary(d, d, d, a.Count + b.Count);
        double df = se2 * se2 / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        double half = Quantile975(df) * Math.Sqrt(se2);
        return new ScoreSummary(d, d - half, d + half, a.Count + b.Count);
    }

    private static double Variance(IReadOnlyList<double> values, double mean) =>
        values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
}
