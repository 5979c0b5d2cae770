using Soar.Core.Devices;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Sampling;
using Soar.Core.Text;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Devices;

public class AutocastTests
{
    [Fact]
    public void A_scope_runs_matmuls_in_bf16_keeps_norms_fp32_inputs_and_restores_the_previous_state()
    {
        using var a = randn(4, 8);
        using var w = randn(8, 8);
        Assert.False(Autocast.IsEnabled(CPU));
        using (Autocast.Enter(Precision.Bf16, CPU))
        {
            Assert.True(Autocast.IsEnabled(CPU));
            using var product = a.matmul(w);
            Assert.Equal(ScalarType.BFloat16, product.dtype);
            // Elementwise ops are not on autocast's list: fp32 in, fp32 out.
            using var sum = a + a;
            Assert.Equal(ScalarType.Float32, sum.dtype);
            using (Autocast.Enter(Precision.Bf16, CPU)) Assert.True(Autocast.IsEnabled(CPU));
            Assert.True(Autocast.IsEnabled(CPU)); // the inner scope's end does not switch the outer off
            using (Autocast.Enter(Precision.Fp32, CPU)) Assert.True(Autocast.IsEnabled(CPU)); // fp32 adds no scope
        }
        Assert.False(Autocast.IsEnabled(CPU));
        using var after = a.matmul(w);
        Assert.Equal(ScalarType.Float32, after.dtype);
    }

    [Fact]
    public void The_bf16_product_is_the_fp32_product_of_bf16_rounded_inputs()
    {
        // 1.00390625 = 1 + 2^-8 is not a bfloat16 (8 significant bits): it rounds to 1 (ties to even); 3 and 0.5 are exact.
        using var a = tensor(new float[] { 1.00390625f, 3f }).view(1, 2);
        using var b = tensor(new float[] { 2f, 0.5f }).view(2, 1);
        using var scope = Autocast.Enter(Precision.Bf16, CPU);
        float value = a.matmul(b).to(ScalarType.Float32).item<float>();
        Assert.Equal(1f * 2f + 3f * 0.5f, value); // 3.5, where fp32 gives 3.5078125
    }

    [Fact]
    public void Bf16_training_keeps_fp32_weights_and_gradients_and_stays_close_to_the_fp32_loss()
    {
        var tokenizer = CaptionTokenizer.Build(["a red circle", "a blue square"]);
        double LossAfter(Precision precision, out ScalarType weightType, out ScalarType gradType)
        {
            manual_seed(0);
            using var model = ModelRegistry.Create(ModelRegistry.FromPreset("unet-tiny", 16, tokenizer.Vocabulary.Count, tokenizer.MaxTokens, 1.0));
            using var x0 = rand(8, 3, 16, 16) * 2 - 1;
            var ids = tensor(Enumerable.Range(0, 8).SelectMany(i => tokenizer.Encode(i % 2 == 0 ? "a red circle" : "a blue square").Select(t => (long)t)).ToArray()).view(8, tokenizer.MaxTokens);
            using var empty = tensor(tokenizer.Encode("").Select(t => (long)t).ToArray()).view(1, tokenizer.MaxTokens);
            var options = new TrainingOptions { Steps = 3, BatchSize = 8, LearningRate = 1e-3, Precision = precision, LogEvery = 100 };
            using var data = TrainingSet.Create(Enumerable.Range(0, 8).Select(i => (TrainingSet.ToImages(x0)[i], i % 2 == 0 ? "a red circle" : "a blue square", "row")), tokenizer, 16, CPU);
            var trainer = new FlowTrainer(model, new SftObjective(), options, data, empty, new Soar.Core.Tests.Rl.RecordingLog());
            var summary = trainer.Train(0, 3, CancellationToken.None);
            var p = model.parameters().First(q => q.grad is not null);
            weightType = p.dtype;
            gradType = p.grad!.dtype;
            return summary.Losses[^1];
        }
        double fp32 = LossAfter(Precision.Fp32, out _, out _);
        double bf16 = LossAfter(Precision.Bf16, out var weights, out var grads);
        Assert.Equal(ScalarType.Float32, weights);
        Assert.Equal(ScalarType.Float32, grads);
        // Same data, noise and initial weights: bf16's 8-bit mantissa moves the loss by well under 5%.
        Assert.InRange(Math.Abs(bf16 - fp32) / fp32, 0, 0.05);
    }

    [Fact]
    public void Bf16_sampling_returns_fp32_images_close_to_fp32_ones()
    {
        manual_seed(0);
        using var model = ModelRegistry.Create(ModelRegistry.FromPreset("unet-tiny", 16, 10, 6, 1.0));
        using (no_grad()) foreach (var p in model.parameters()) if (p.abs().sum().item<float>() == 0) p.normal_(0, 0.05);
        using var noise = randn(2, 3, 16, 16);
        using var ids = tensor(new long[] { 1, 2, 3, 0, 0, 0, 1, 4, 0, 0, 0, 0 }).view(2, 6);
        using var empty = tensor(new long[] { 1, 0, 0, 0, 0, 0 }).view(1, 6);
        using var full = EulerSampler.Sample(model, noise, ids, empty, 4, 2.0);
        using var half = EulerSampler.Sample(model, noise, ids, empty, 4, 2.0, precision: Precision.Bf16);
        Assert.Equal(ScalarType.Float32, half.dtype);
        double rms = (half - full).square().mean().sqrt().item<float>();
        double scale = full.square().mean().sqrt().item<float>();
        Assert.InRange(rms / scale, 0, 0.05);
        Assert.False(Autocast.IsEnabled(CPU));
    }
}
