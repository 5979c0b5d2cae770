using Soar.Core.Models;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models;

public class FlowDiTTests
{
    private static VelocityModel Tiny(int imageSize = 16)
    {
        manual_seed(0);
        return ModelRegistry.Create(ModelRegistry.FromPreset("tiny", imageSize, vocabSize: 10, maxTokens: 6, timestepShift: 1.0));
    }

    [Fact]
    public void Output_has_image_shape_and_starts_at_zero_velocity()
    {
        using var model = Tiny();
        using var x = randn(3, 3, 16, 16);
        using var s = tensor(new float[] { 0.1f, 0.5f, 1f });
        using var ids = tensor(new long[] { 1, 2, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 4, 5, 6, 7, 8 }).view(3, 6);
        using var v = model.forward(x, s, ids);
        Assert.Equal(new long[] { 3, 3, 16, 16 }, v.shape);
        // adaLN-Zero and the zero-initialised final layer make a fresh model predict exactly 0.
        Assert.Equal(0f, v.abs().max().item<float>());
    }

    [Fact]
    public void Presets_have_increasing_parameter_counts()
    {
        long Count(string preset)
        {
            using var m = ModelRegistry.Create(ModelRegistry.FromPreset(preset, 32, 64, 24, 1.0));
            return m.ParameterCount();
        }
        long tiny = Count("tiny"), small = Count("small"), @base = Count("base");
        Assert.True(tiny < small && small < @base, $"{tiny} {small} {@base}");
        Assert.InRange(tiny, 500_000, 2_000_000);
        Assert.Throws<ArgumentException>(() => ModelRegistry.FromPreset("huge", 32, 64, 24, 1.0));
    }

    [Fact]
    public void Padding_tokens_do_not_change_the_prediction()
    {
        using var model = Tiny();
        // Give the final layer weights so the output depends on the input.
        using (no_grad()) foreach (var p in model.parameters()) if (p.abs().sum().item<float>() == 0) p.normal_(0, 0.02);
        using var x = randn(1, 3, 16, 16);
        using var s = tensor(new float[] { 0.5f });
        using var a = tensor(new long[] { 1, 2, 3, 0, 0, 0 }).view(1, 6);
        using var longer = ModelRegistry.Create(ModelRegistry.FromPreset("tiny", 16, 10, 6, 1.0));
        using var v1 = model.forward(x, s, a);
        using var b = tensor(new long[] { 1, 2, 4, 0, 0, 0 }).view(1, 6);
        using var v2 = model.forward(x, s, b);
        Assert.False(v1.allclose(v2), "different captions must give different velocities");
    }
}
