using Soar.Core.Rl;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Rl;

public class ClippedObjectiveTests
{
    private const double E = 1e-4;

    /// <summary>(loss, d loss / d r) for one sample.</summary>
    private static (double Loss, double Grad) At(double advantage, double r)
    {
        using var ratio = tensor(new[] { r }, requires_grad: true);
        using var a = tensor(new[] { advantage });
        var loss = ClippedObjective.Loss(a, ratio, E).sum();
        loss.backward();
        return (loss.item<double>(), ratio.grad!.item<double>());
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(-3.0)]
    public void Inside_the_trust_region_it_is_the_plain_surrogate(double advantage)
    {
        foreach (var r in new[] { 1.0, 1 + E / 2, 1 - E / 2 })
        {
            var (loss, grad) = At(advantage, r);
            Assert.Equal(-advantage * r, loss, 12);
            Assert.Equal(-advantage, grad, 12);
        }
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(-3.0)]
    public void At_r_equal_one_plus_or_minus_epsilon_both_branches_agree(double advantage)
    {
        Assert.Equal(-advantage * (1 + E), At(advantage, 1 + E).Loss, 12);
        Assert.Equal(-advantage * (1 - E), At(advantage, 1 - E).Loss, 12);
    }

    [Fact]
    public void Beyond_the_region_the_gradient_stops_only_in_the_direction_the_advantage_favours()
    {
        // A > 0: raising r further earns nothing (clipped, zero gradient); a lowered r is still pushed back up.
        Close((-2 * (1 + E), 0.0), At(2, 1 + 3 * E));
        Close((-2 * (1 - 3 * E), -2.0), At(2, 1 - 3 * E));
        // A < 0: lowering r further earns nothing; a raised r is still pushed back down.
        Close((3 * (1 - E), 0.0), At(-3, 1 - 3 * E));
        Close((3 * (1 + 3 * E), 3.0), At(-3, 1 + 3 * E));
    }

    [Fact]
    public void Clip_fraction_counts_ratios_outside_the_region()
    {
        using var ratio = tensor(new[] { 1.0, 1 + 2 * E, 1 - 2 * E, 1 + E / 2 });
        Assert.Equal(0.5f, ClippedObjective.ClipFraction(ratio, E).item<float>());
    }

    private static void Close((double Loss, double Grad) expected, (double Loss, double Grad) actual)
    {
        Assert.Equal(expected.Loss, actual.Loss, 1e-12);
        Assert.Equal(expected.Grad, actual.Grad, 1e-12);
    }
}
