using Soar.Core.Eval.Scoring;

namespace Soar.Core.Tests.Eval;

public class ConfidenceIntervalTests
{
    [Fact]
    public void Wilson_hand_cases()
    {
        // 8 of 10, z = 1.96: centre (0.8 + 0.19208) / 1.38415 = 0.71684, half 0.26 ... -> [0.4902, 0.9433].
        var (lo, hi) = ConfidenceInterval.Wilson(8, 10);
        Assert.Equal(0.4902, lo, 3);
        Assert.Equal(0.9433, hi, 3);
        // 0 of n: lower bound 0, upper z^2 / (n + z^2).
        var (lo0, hi0) = ConfidenceInterval.Wilson(0, 20);
        Assert.Equal(0, lo0, 12);
        Assert.Equal(3.8415 / 23.8415, hi0, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => ConfidenceInterval.Wilson(3, 2));
    }

    [Fact]
    public void Bootstrap_is_seeded_and_covers_the_mean()
    {
        var values = Enumerable.Range(0, 200).Select(i => i % 3 == 0 ? 1.0 : 0.0).ToArray();
        var strata = new int[values.Length];
        double Mean(int[] idx) => idx.Average(i => values[i]);
        var a = Bootstrap.Interval(strata, Mean, 1);
        var b = Bootstrap.Interval(strata, Mean, 1);
        Assert.Equal(a, b);
        Assert.InRange(values.Average(), a.Lower, a.Upper);
        Assert.InRange(a.Upper - a.Lower, 0.08, 0.18); // about 2 * 1.96 * sqrt(p(1-p)/n) = 0.13
    }
}
