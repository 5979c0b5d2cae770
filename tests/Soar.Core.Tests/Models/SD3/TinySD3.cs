using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.SD3;

/// <summary>The tiny SD3 shapes: 2 layers, 2 heads of 8, patch 2, 16 latent channels, joint 32, pooled 64.</summary>
internal static class TinySD3
{
    public static SD3Config Config(string? qkNorm = null, int[]? dual = null) => new()
    {
        SampleSize = 8, PatchSize = 2, InChannels = 16, OutChannels = 16, NumLayers = 2, AttentionHeadDim = 8, NumAttentionHeads = 2,
        JointAttentionDim = 32, CaptionProjectionDim = 16, PooledProjectionDim = 64, PosEmbedMaxSize = 8,
        QkNorm = qkNorm, DualAttentionLayers = dual ?? [],
    };

    public static SD3Transformer2DModel Model(SD3Config config, int seed = 0)
    {
        manual_seed(seed);
        var model = new SD3Transformer2DModel(config);
        model.eval();
        return model;
    }

    /// <summary>Inputs named as `soar model velocity` reads them: batch 2, 8 x 8 latents, 5 text tokens.</summary>
    public static Dictionary<string, Tensor> Inputs(int seed = 1)
    {
        manual_seed(seed);
        return new Dictionary<string, Tensor>
        {
            ["hidden_states"] = randn(2, 16, 8, 8),
            ["timestep"] = tensor(new float[] { 250f, 900f }),
            ["encoder_hidden_states"] = randn(2, 5, 32),
            ["pooled_projections"] = randn(2, 64),
        };
    }

    public static Tensor Run(SD3Transformer2DModel model, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var noGrad = no_grad();
        return model.forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"], inputs["pooled_projections"]);
    }

    public static void AssertSameState(TorchSharp.torch.nn.Module expected, TorchSharp.torch.nn.Module actual)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, t) in a) Assert.True(t.equal(b[name]).all().item<bool>(), name);
    }
}
