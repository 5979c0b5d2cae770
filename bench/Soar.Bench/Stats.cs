namespace Soar.Bench;

/// <summary>The one summary statistic the benchmarks report: the median of repeated timings.</summary>
public static class Stats
{
    /// <summary>Middle value (mean of the two middle ones for an even count); the input is not modified.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("the median of no values is undefined", nameof(values));
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
