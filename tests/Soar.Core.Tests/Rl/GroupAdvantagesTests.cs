using Soar.Core.Rl;

namespace Soar.Core.Tests.Rl;

public class GroupAdvantagesTests
{
    [Fact]
    public void Each_group_is_normalised_by_its_own_mean_and_std()
    {
        // Interleaved groups: "a" = {1, 3}, "b" = {10, 10, 16}.
        var captions = new[] { "a", "b", "a", "b", "b" };
        var rewards = new[] { 1.0, 10, 3, 10, 16 };
        var adv = GroupAdvantages.Compute(captions, rewards, globalStd: false, clip: 5);
        // a: mean 2, population std 1; b: mean 12, std sqrt((4 + 4 + 16) / 3) = sqrt(8).
        Assert.Equal(-1 / (1 + 1e-4), adv[0], 12);
        Assert.Equal(1 / (1 + 1e-4), adv[2], 12);
        Assert.Equal(-2 / (Math.Sqrt(8) + 1e-4), adv[1], 12);
        Assert.Equal(-2 / (Math.Sqrt(8) + 1e-4), adv[3], 12);
        Assert.Equal(4 / (Math.Sqrt(8) + 1e-4), adv[4], 12);
    }

    [Fact]
    public void Global_std_keeps_group_means_but_divides_by_the_batch_std()
    {
        var captions = new[] { "a", "a", "b", "b" };
        var rewards = new[] { 0.0, 1, 2, 3 };
        double batchStd = Math.Sqrt((2.25 + 0.25 + 0.25 + 2.25) / 4);
        var adv = GroupAdvantages.Compute(captions, rewards, globalStd: true, clip: 5);
        Assert.Equal(new[] { -0.5, 0.5, -0.5, 0.5 }.Select(x => x / (batchStd + 1e-4)), adv);
    }

    [Fact]
    public void Advantages_are_clipped_to_the_bound_and_flat_groups_get_zero()
    {
        // One success among 40: (1 - 1/40) / sqrt(0.025 * 0.975) = 6.24 -> clipped to 5.
        var captions = Enumerable.Repeat("a", 40).Concat(Enumerable.Repeat("b", 3)).ToArray();
        var rewards = Enumerable.Range(0, 40).Select(i => i == 7 ? 1.0 : 0.0).Concat([0.4, 0.4, 0.4]).ToArray();
        var adv = GroupAdvantages.Compute(captions, rewards, globalStd: false, clip: 5);
        Assert.Equal(5.0, adv[7]);
        Assert.Equal(-0.025 / (Math.Sqrt(0.025 * 0.975) + 1e-4), adv[0], 12);
        Assert.Equal(new[] { 0.0, 0, 0 }, adv[40..]);
        Assert.Equal(0.5, GroupAdvantages.ZeroStdFraction(captions, rewards));
    }
}
