using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Training;

public class TrainingMemoryTests
{
    [Fact]
    public void A_lora_model_counts_only_its_adapters_as_trained_state()
    {
        manual_seed(0);
        using var full = ModelRegistry.Create(ModelRegistry.FromPreset("sd3-tiny", 16, 12, 6, 1.0));
        using var lora = ModelRegistry.Create(full.Config with { Lora = "rank=4;alpha=8" });
        var options = new TrainingOptions { BatchSize = 8, GradAccumulation = 2 };
        var f = TrainingMemory.Of(full, options, rows: 4);
        var l = TrainingMemory.Of(lora, options, rows: 4);
        Assert.Equal(full.ParameterCount(), f.Trainable);
        Assert.Equal(4.0 * f.Parameters, f.WeightBytes);
        Assert.Equal(f.WeightBytes, f.GradientBytes);
        Assert.Equal(2 * f.GradientBytes, f.OptimizerBytes);
        long adapters = lora.named_parameters().Where(p => p.name.Contains(".lora_")).Sum(p => p.parameter.numel());
        Assert.True(adapters > 0);
        Assert.Equal(adapters, l.Trainable);
        Assert.Equal(4.0 * adapters, l.GradientBytes);
        Assert.Equal(0, l.EmaBytes);
        Assert.Contains($"{l.Parameters:N0} parameters, {adapters:N0} trainable", l.Describe());
    }

    [Theory]
    [InlineData("tiny")]
    [InlineData("small")]
    [InlineData("unet-tiny")]
    [InlineData("sd3-tiny")]
    public void Checkpointing_estimates_less_activation_memory_and_rows_scale_it(string preset)
    {
        var e = ModelRegistry.FromPreset(preset, 32, 60, 24, 1.0).Estimate();
        Assert.NotNull(e.CheckpointedActivationBytes);
        Assert.InRange(e.CheckpointedBytes, 0.05 * e.ActivationBytes, 0.8 * e.ActivationBytes);
        manual_seed(0);
        using var model = ModelRegistry.Create(ModelRegistry.FromPreset(preset, 32, 60, 24, 1.0));
        var options = new TrainingOptions { EmaDecay = 0.999, GradientCheckpointing = true };
        var m = TrainingMemory.Of(model, options, rows: 32);
        Assert.Equal(32 * e.ActivationBytes, m.ActivationBytes, 1e-6 * m.ActivationBytes);
        Assert.Equal(m.WeightBytes, m.EmaBytes);
        Assert.Equal(m.WeightBytes * 5 + m.CheckpointedActivationBytes, m.TotalBytes, 1e-6 * m.TotalBytes);
    }

    [Fact]
    public void Soar_rows_count_its_auxiliary_points_unless_chunked()
    {
        var soar = new SoarObjective(new SoarOptions { TrajectoryLength = 6, NumRolloutPaths = 2 });
        Assert.Equal(8 + 6 * 2 * 8, soar.RowsPerForward(8));
        Assert.Equal(16, new SoarObjective(new SoarOptions { TrajectoryLength = 6, AuxChunkSize = 16 }).RowsPerForward(8));
        Assert.Equal(8, new SoarObjective(new SoarOptions { LambdaAux = 0 }).RowsPerForward(8));
        Assert.Equal(8, ((ITrainingObjective)new SftObjective()).RowsPerForward(8));
    }
}
