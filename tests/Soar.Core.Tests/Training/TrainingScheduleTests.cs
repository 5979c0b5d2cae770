using Soar.Core.Training;

namespace Soar.Core.Tests.Training;

public class TrainingScheduleTests
{
    [Fact]
    public void Warmup_then_cosine_matches_hand_computed_rates()
    {
        var o = new TrainingOptions { Steps = 12, WarmupSteps = 2, LearningRate = 1e-3, LrSchedule = "cosine" };
        // Warm-up: (k + 1) / 2 of the base rate.
        Assert.Equal(0.5e-3, o.LearningRateAt(0), 12);
        Assert.Equal(1.0e-3, o.LearningRateAt(1), 12);
        // p = (step - 2) / 10: p = 0 -> 1e-3; p = 0.5 -> 0.5e-3; p = 0.9 -> 0.5 (1 + cos 0.9 pi) = 0.0244717e-3.
        Assert.Equal(1.0e-3, o.LearningRateAt(2), 12);
        Assert.Equal(0.5e-3, o.LearningRateAt(7), 12);
        Assert.Equal(0.0244717418524e-3, o.LearningRateAt(11), 12);
    }

    [Fact]
    public void Linear_decays_to_zero_at_Steps_and_constant_stays()
    {
        var linear = new TrainingOptions { Steps = 10, LearningRate = 2e-4, LrSchedule = "linear" };
        Assert.Equal(2e-4, linear.LearningRateAt(0), 12);
        Assert.Equal(1e-4, linear.LearningRateAt(5), 12);
        Assert.Equal(0.2e-4, linear.LearningRateAt(9), 12);
        var constant = new TrainingOptions { Steps = 10, WarmupSteps = 4, LearningRate = 2e-4 };
        Assert.Equal(0.5e-4, constant.LearningRateAt(0), 12);
        Assert.Equal(2e-4, constant.LearningRateAt(9), 12);
        Assert.Throws<ArgumentException>(() => new TrainingOptions { LrSchedule = "step" }.Validate());
    }

    [Fact]
    public void Ema_warmup_caps_the_decay_at_one_plus_n_over_ten_plus_n()
    {
        var o = new TrainingOptions { EmaDecay = 0.999, EmaWarmup = true };
        Assert.Equal(2.0 / 11, o.EmaDecayAt(1), 12);
        Assert.Equal(101.0 / 110, o.EmaDecayAt(100), 12);
        Assert.Equal(0.999, o.EmaDecayAt(100_000), 12);
        Assert.Equal(0.999, new TrainingOptions { EmaDecay = 0.999 }.EmaDecayAt(1), 12);
    }
}
