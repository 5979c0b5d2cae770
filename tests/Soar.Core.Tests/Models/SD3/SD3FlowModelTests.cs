using System.Text.Json.Nodes;
using Soar.Core.Flow;
using Soar.Core.Models;
using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.SD3;

public sealed class SD3FlowModelTests
{
    private static SD3FlowModel Tiny()
    {
        manual_seed(3);
        var config = (SD3Config)ModelRegistry.FromPreset("sd3-tiny", 32, vocabSize: 12, maxTokens: 6, timestepShift: 3.0);
        var model = (SD3FlowModel)ModelRegistry.Create(config);
        model.eval();
        return model;
    }

    [Fact]
    public void Velocity_is_the_transformer_sample_at_1000_sigma_with_the_projected_caption()
    {
        using var model = Tiny();
        using var ids = tensor(new long[] { 1, 4, 5, 2, 0, 0, 1, 6, 2, 0, 0, 0 }).view(2, 6);
        using var x = randn(2, 3, 32, 32);
        using var sigma = tensor(new float[] { 0.25f, 0.9f });
        using var noGrad = no_grad();
        var caption = model.EncodeCaption(ids);
        Assert.Equal(new long[] { 2, 6, 128 }, caption.Tokens.shape);   // joint_attention_dim
        Assert.Equal(new long[] { 2, 128 }, caption.Pooled.shape);      // pooled_projection_dim
        using var v = model.Velocity(x, sigma, caption);
        using var sample = model.Transformer.forward(x, tensor(new float[] { 250f, 900f }), caption.Tokens, caption.Pooled);
        Assert.Equal(new long[] { 2, 3, 32, 32 }, v.shape);
        Assert.True(v.allclose(sample, rtol: 0, atol: 0));
    }

    [Fact]
    public void The_project_velocity_and_the_sd3_output_share_one_sign_convention()
    {
        // diffusers' FlowMatchEulerDiscreteScheduler steps x + (s_next - s) * output with x_s = (1 - s) x0 + s eps, so an
        // exact SD3 output is eps - x0: the project's velocity target, which the wrapper therefore passes through unchanged.
        using var x0 = randn(1, 3, 4, 4);
        using var eps = randn(1, 3, 4, 4);
        using var s = tensor(new float[] { 0.7f });
        using var xs = RectifiedFlow.Noise(x0, eps, s);
        using var output = RectifiedFlow.VelocityTarget(x0, eps);
        using var stepped = xs + (0f - 0.7f) * output;
        Assert.True(stepped.allclose(x0, atol: 1e-6));
        Assert.True(output.allclose(eps - x0));
    }

    [Fact]
    public void The_model_section_round_trips_through_the_registry_and_refuses_unknown_keys()
    {
        using var model = Tiny();
        var section = ModelRegistry.WriteConfig(model.Config);
        Assert.Equal("sd3", section["architecture"]!.GetValue<string>());
        Assert.Equal(4, section["patch_size"]!.GetValue<int>());
        var read = ModelRegistry.ReadConfig(JsonNode.Parse(section.ToJsonString())!, "m/config.json");
        Assert.Equal(model.Config, read);
        var extra = JsonNode.Parse(section.ToJsonString())!.AsObject();
        extra["rope_theta"] = 10000;
        var e = Assert.Throws<InvalidDataException>(() => ModelRegistry.ReadConfig(extra, "m/config.json"));
        Assert.Contains("rope_theta", e.Message);
    }

    [Fact]
    public void The_estimate_counts_the_whole_models_parameters()
    {
        manual_seed(0);
        var config = (SD3Config)ModelRegistry.FromPreset("sd3-tiny", 32, vocabSize: 67, maxTokens: 24, timestepShift: 1.0);
        using var model = ModelRegistry.Create(config);
        Assert.Equal(model.ParameterCount(), config.Estimate(24).Parameters);
        Assert.Equal(2_664_176, model.ParameterCount());   // the docs/models.md preset table
    }

    [Fact]
    public void The_pipeline_images_must_be_the_latents()
    {
        var config = (SD3Config)ModelRegistry.FromPreset("sd3-tiny", 32, 12, 6, 1.0) with { Channels = 4 };
        Assert.Contains("in_channels 3", Assert.Throws<ArgumentException>(() => ModelRegistry.Create(config)).Message);
        var large = (SD3Config)ModelRegistry.FromPreset("sd3-tiny", 128, 12, 6, 1.0);
        Assert.Contains("pos_embed_max_size 16", Assert.Throws<ArgumentException>(() => ModelRegistry.Create(large)).Message);
    }
}
