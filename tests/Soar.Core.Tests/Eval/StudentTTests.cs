using Soar.Core.Eval.Scoring;

namespace Soar.Core.Tests.Eval;

public class StudentTTests
{
    [Fact]
    public void Quantiles_match_the_tables()
    {
        Assert.Equal(12.7062, StudentT.Quantile975(1), 4);
        Assert.Equal(4.3027, StudentT.Quantile975(2), 4);
        Assert.Equal(4.3027, StudentT.Quantile975(2.94), 4); // fractional Welch df rounds down
        Assert.Equal(2.0423, StudentT.Quantile975(30), 4);
        Assert.Equal(2.0395, StudentT.Quantile975(31), 3);   // exact 2.039513
        Assert.Equal(1.9840, StudentT.Quantile975(100), 3);  // exact 1.983972
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile975(0.5));
    }

    [Fact]
    public void Mean_of_three_seeds_hand_case()
    {
        // 1, 2, 3: mean 2, sd 1, half-width 4.302653 * 1 / sqrt(3) = 2.484138.
        var s = StudentT.Mean([1.0, 2.0, 3.0]);
        Assert.Equal(2, s.Mean, 12);
        Assert.Equal(2 - 2.484138, s.Lower, 5);
        Assert.Equal(2 + 2.484138, s.Upper, 5);
        Assert.Equal(3, s.N);
        var one = StudentT.Mean([0.5]);
        Assert.Equal(0.5, one.Mean);
        Assert.True(double.IsNaN(one.Lower), "one run has no spread to make an interval from");
    }

    [Fact]
    public void Welch_difference_hand_case()
    {
        // a = 1,2,3 (var 1), b = 4,6,8 (var 4): se^2 = 1/3 + 4/3 = 5/3; df = (5/3)^2 / ((1/3)^2/2 + (4/3)^2/2) = 50/17 -> t(2).
        var d = StudentT.WelchDifference([1.0, 2.0, 3.0], [4.0, 6.0, 8.0]);
        double half = 4.302653 * Math.Sqrt(5.0 / 3);
        Assert.Equal(-4, d.Mean, 12);
        Assert.Equal(-4 - half, d.Lower, 5);
        Assert.Equal(-4 + half, d.Upper, 5);
        // Identical constant groups: a zero-width interval at 0.
        var same = StudentT.WelchDifference([0.25, 0.25], [0.25, 0.25]);
        Assert.Equal((0.0, 0.0, 0.0), (same.Mean, same.Lower, same.Upper));
    }
}
