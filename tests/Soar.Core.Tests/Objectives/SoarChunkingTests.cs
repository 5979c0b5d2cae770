using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Objectives;

/// <summary>AuxChunkSize: the auxiliary points back-propagated in chunks give the one-forward step's loss and gradients.</summary>
public class SoarChunkingTests
{
    private static (double Loss, Dictionary<string, float[]> Grads, bool BackPropagated) Step(int chunk, double lossScale, int paths, bool checkpoint = false)
    {
        manual_seed(5);
        using var model = ModelRegistry.Create(ModelRegistry.FromPreset("unet-tiny", 8, vocabSize: 6, maxTokens: 4, timestepShift: 3.0));
        model.GradientCheckpointing = checkpoint;
        using (no_grad()) foreach (var p in model.parameters()) if (p.abs().sum().item<float>() == 0) p.normal_(0, 0.05);
        using var images = rand(4, 3, 8, 8) * 2 - 1;
        using var ids = tensor(new long[] { 1, 2, 3, 0, 1, 4, 0, 0, 1, 5, 2, 0, 1, 3, 0, 0 }).view(4, 4);
        using var empty = tensor(new long[] { 1, 0, 0, 0 }).view(1, 4);
        var objective = new SoarObjective(new SoarOptions { TrajectoryLength = 3, NumSamplingSteps = 4, NumRolloutPaths = paths, AuxChunkSize = chunk });
        using var g = new Generator(11, CPU);
        var output = objective.Loss(model, new TrainingBatch(images, ids, empty, lossScale), g);
        // What the trainer does with an output it has to back-propagate itself.
        if (!output.BackPropagated) (output.Loss * lossScale).backward();
        BlockCheckpoint.ThrowIfFailed();
        var grads = model.named_parameters().Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.contiguous().data<float>().ToArray());
        return (output.Metrics["loss"], grads, output.BackPropagated);
    }

    [Theory]
    [InlineData(5, 1.0, 1)]   // 12 auxiliary points in chunks of 5, 5 and 2
    [InlineData(1, 0.5, 1)]   // one point at a time, inside a 2-micro-batch update
    [InlineData(4, 1.0, 2)]   // two rollout paths: the stochastic path's points too
    public void Chunked_loss_and_gradients_equal_the_one_forward_step(int chunk, double lossScale, int paths)
    {
        var whole = Step(0, lossScale, paths);
        var chunked = Step(chunk, lossScale, paths);
        AssertSame(whole, chunked);
        // With GradientCheckpointing too: the chunks' backward passes (the caption graph retained between them) recompute each block.
        AssertSame(whole, Step(chunk, lossScale, paths, checkpoint: true));
    }

    private static void AssertSame((double Loss, Dictionary<string, float[]> Grads, bool BackPropagated) whole, (double Loss, Dictionary<string, float[]> Grads, bool BackPropagated) chunked)
    {
        Assert.False(whole.BackPropagated);
        Assert.True(chunked.BackPropagated);
        Assert.Equal(whole.Loss, chunked.Loss, 1e-5 * Math.Abs(whole.Loss));
        Assert.Equal(whole.Grads.Keys.Order(), chunked.Grads.Keys.Order());
        foreach (var (name, g) in whole.Grads)
        {
            var c = chunked.Grads[name];
            double scale = Math.Max(1e-6, g.Max(Math.Abs));
            for (int i = 0; i < g.Length; i++)
                Assert.True(Math.Abs(g[i] - c[i]) <= 1e-4 * scale, $"{name}[{i}]: one forward {g[i]}, chunked {c[i]}");
        }
    }

    [Fact]
    public void A_chunk_at_least_as_large_as_the_auxiliary_batch_is_the_one_forward_path()
    {
        var output = Step(1000, 1.0, 1);
        Assert.False(output.BackPropagated);
    }

    [Fact]
    public void A_negative_chunk_size_is_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SoarObjective(new SoarOptions { AuxChunkSize = -1 }));
        Assert.Contains("AuxChunkSize", e.Message);
    }
}
