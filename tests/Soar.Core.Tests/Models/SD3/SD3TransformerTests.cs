using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.SD3;

public sealed class SD3TransformerTests
{
    [Theory]
    [InlineData(null, new int[0])]
    [InlineData("rms_norm", new int[0])]
    [InlineData("rms_norm", new[] { 0 })]
    [InlineData("layer_norm", new[] { 0, 1 })]
    public void The_sample_has_the_latents_shape(string? qkNorm, int[] dual)
    {
        using var model = TinySD3.Model(TinySD3.Config(qkNorm, dual));
        var inputs = TinySD3.Inputs();
        using var sample = TinySD3.Run(model, inputs);
        Assert.Equal(new long[] { 2, 16, 8, 8 }, sample.shape);
        Assert.True(isfinite(sample).all().item<bool>());
        // A smaller grid crops a smaller window of the same table.
        using var small = model.forward(randn(1, 16, 4, 6), tensor(new float[] { 10f }), randn(1, 3, 32), randn(1, 64));
        Assert.Equal(new long[] { 1, 16, 4, 6 }, small.shape);
    }

    [Fact]
    public void State_dict_names_are_diffusers_names()
    {
        using var model = TinySD3.Model(TinySD3.Config("rms_norm", [0]));
        var state = model.state_dict();
        long[] Shape(string name) => state.TryGetValue(name, out var t) ? t.shape : throw new Xunit.Sdk.XunitException($"no tensor {name}; have {string.Join(", ", state.Keys)}");
        Assert.Equal(new long[] { 1, 64, 16 }, Shape("pos_embed.pos_embed"));
        Assert.Equal(new long[] { 16, 16, 2, 2 }, Shape("pos_embed.proj.weight"));
        Assert.Equal(new long[] { 16, 256 }, Shape("time_text_embed.timestep_embedder.linear_1.weight"));
        Assert.Equal(new long[] { 16, 16 }, Shape("time_text_embed.timestep_embedder.linear_2.weight"));
        Assert.Equal(new long[] { 16, 64 }, Shape("time_text_embed.text_embedder.linear_1.weight"));
        Assert.Equal(new long[] { 16, 32 }, Shape("context_embedder.weight"));
        // Block 0: dual attention (9 modulation chunks, attn2), full context stream.
        Assert.Equal(new long[] { 9 * 16, 16 }, Shape("transformer_blocks.0.norm1.linear.weight"));
        Assert.Equal(new long[] { 6 * 16, 16 }, Shape("transformer_blocks.0.norm1_context.linear.weight"));
        foreach (var p in new[] { "to_q", "to_k", "to_v", "to_out.0", "add_q_proj", "add_k_proj", "add_v_proj", "to_add_out" })
            Assert.Equal(new long[] { 16, 16 }, Shape($"transformer_blocks.0.attn.{p}.weight"));
        foreach (var p in new[] { "norm_q", "norm_k", "norm_added_q", "norm_added_k" })
            Assert.Equal(new long[] { 8 }, Shape($"transformer_blocks.0.attn.{p}.weight"));
        foreach (var p in new[] { "to_q", "to_k", "to_v", "to_out.0" }) Shape($"transformer_blocks.0.attn2.{p}.bias");
        Shape("transformer_blocks.0.attn2.norm_q.weight");
        Assert.DoesNotContain("transformer_blocks.0.attn2.add_q_proj.weight", state.Keys);
        Assert.Equal(new long[] { 64, 16 }, Shape("transformer_blocks.0.ff.net.0.proj.weight"));
        Assert.Equal(new long[] { 16, 64 }, Shape("transformer_blocks.0.ff.net.2.weight"));
        Shape("transformer_blocks.0.ff_context.net.2.bias");
        // Block 1 (the last): context-pre-only.
        Assert.Equal(new long[] { 6 * 16, 16 }, Shape("transformer_blocks.1.norm1.linear.weight"));
        Assert.Equal(new long[] { 2 * 16, 16 }, Shape("transformer_blocks.1.norm1_context.linear.weight"));
        Shape("transformer_blocks.1.attn.add_q_proj.weight");
        Assert.DoesNotContain(state.Keys, k => k.StartsWith("transformer_blocks.1.attn.to_add_out", StringComparison.Ordinal));
        Assert.DoesNotContain(state.Keys, k => k.StartsWith("transformer_blocks.1.ff_context", StringComparison.Ordinal));
        Assert.DoesNotContain(state.Keys, k => k.StartsWith("transformer_blocks.1.attn2", StringComparison.Ordinal));
        Assert.Equal(new long[] { 32, 16 }, Shape("norm_out.linear.weight"));
        Assert.Equal(new long[] { 2 * 2 * 16, 16 }, Shape("proj_out.weight"));
    }

    [Theory]
    [InlineData(null, new int[0])]
    [InlineData("rms_norm", new[] { 0 })]
    [InlineData("layer_norm", new[] { 1 })]
    public void The_estimate_counts_the_parameters_exactly(string? qkNorm, int[] dual)
    {
        var config = TinySD3.Config(qkNorm, dual);
        using var model = TinySD3.Model(config);
        long count = model.parameters().Sum(p => p.numel());
        // The text-encoder part of the estimate is zero-sized without a vocabulary and a text layer.
        var estimate = (config with { VocabSize = 0, MaxTokens = 1, TextDim = 1, TextLayers = 0 }).Estimate(5);
        double textPart = 0 + 1 + 2 + (1 * 32 + 32) + (1 * 64 + 64);
        Assert.Equal(count, estimate.Parameters - textPart);
    }

    [Fact]
    public void A_fresh_model_is_not_zero_initialised_as_in_diffusers()
    {
        using var model = TinySD3.Model(TinySD3.Config());
        using var sample = TinySD3.Run(model, TinySD3.Inputs());
        Assert.True(sample.abs().max().item<float>() > 1e-3f);
    }

    [Fact]
    public void The_context_stream_changes_the_image()
    {
        using var model = TinySD3.Model(TinySD3.Config("rms_norm", [0]));
        var inputs = TinySD3.Inputs();
        using var a = TinySD3.Run(model, inputs);
        var other = new Dictionary<string, Tensor>(inputs) { ["encoder_hidden_states"] = randn(2, 5, 32) };
        using var b = TinySD3.Run(model, other);
        Assert.False(a.allclose(b));
    }
}
