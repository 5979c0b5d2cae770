using Soar.Core.Rl;
using Soar.Core.Stages;

namespace Soar.Core.Tests.Rl;

public class RewardCollapseMonitorTests
{
    private static readonly string[] Captions = ["a", "a", "b", "b"];

    [Fact]
    public void A_nan_reward_stops_the_run_naming_the_prompt()
    {
        var monitor = new RewardCollapseMonitor(new RecordingLog(), "command:score.sh", 3);
        var e = Assert.Throws<StageException>(() => monitor.Check(4, [0.1, 0.2, double.NaN, 0.3], Captions));
        Assert.Equal("SOAR2510", e.Code);
        Assert.Contains("prompt 'b'", e.Message);
        Assert.Contains("step 5", e.Message);
    }

    [Fact]
    public void All_equal_groups_warn_skip_the_update_and_stop_after_the_patience()
    {
        var log = new RecordingLog();
        var monitor = new RewardCollapseMonitor(log, "red", 2);
        Assert.False(monitor.Check(0, [0.1, 0.2, 0.3, 0.3], Captions));
        Assert.True(monitor.Check(1, [0.5, 0.5, 0.2, 0.2], Captions));
        Assert.Equal("SOAR2511", Assert.Single(log.Warnings).Code);
        Assert.False(monitor.Check(2, [0.1, 0.2, 0.3, 0.3], Captions)); // a step with signal resets the count
        Assert.True(monitor.Check(3, [0, 0, 0, 0], Captions));
        var e = Assert.Throws<StageException>(() => monitor.Check(4, [0, 0, 0, 0], Captions));
        Assert.Equal("SOAR2512", e.Code);
    }

    [Fact]
    public void A_reward_falling_to_zero_from_its_start_is_warned_about()
    {
        var log = new RecordingLog();
        var monitor = new RewardCollapseMonitor(log, "red", 2);
        monitor.Check(0, [0.4, 0.6, 0.5, 0.5], Captions);
        monitor.Check(1, [0.0, 0.02, 0.0, 0.01], Captions);
        Assert.Equal("SOAR2513", Assert.Single(log.Warnings).Code);
    }
}
