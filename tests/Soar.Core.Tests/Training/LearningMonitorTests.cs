using Soar.Core.Stages;
using Soar.Core.Training;

namespace Soar.Core.Tests.Training;

public class LearningMonitorTests
{
    [Fact]
    public void Unchanged_weights_stop_the_run_at_the_first_window()
    {
        var e = Assert.Throws<StageException>(() => new LearningMonitor().Observe(10, 1.0, () => false));
        Assert.Equal("SOAR2106", e.Code);
        Assert.Contains("first 10 steps", e.Message);
    }

    [Fact]
    public void A_loss_that_keeps_rising_far_above_its_best_stops_the_run_with_the_step()
    {
        var monitor = new LearningMonitor { Patience = 3, RiseFactor = 2 };
        monitor.Observe(10, 1.0, () => true);
        monitor.Observe(20, 0.5, () => true);   // best 0.5
        monitor.Observe(30, 1.2, () => true);   // rising, 1.2 > 2 * 0.5: 1
        monitor.Observe(40, 1.5, () => true);   // 2
        var e = Assert.Throws<StageException>(() => monitor.Observe(50, 2.0, () => true));
        Assert.Equal("SOAR2107", e.Code);
        Assert.Contains("at step 50", e.Message);
    }

    [Fact]
    public void Noise_around_a_plateau_is_not_divergence()
    {
        var monitor = new LearningMonitor { Patience = 3, RiseFactor = 2 };
        var losses = new[] { 1.0, 0.4, 0.45, 0.5, 0.55, 0.6, 0.42, 0.7, 0.75, 0.79 };
        for (int i = 0; i < losses.Length; i++) monitor.Observe((i + 1) * 10, losses[i], () => true);
    }
}
