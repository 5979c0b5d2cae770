using Soar.Core.Models.Vae;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Soar.Core.Tests.Models.Vae;

/// <summary>Shapes, parameter names, the asymmetric down-sampling pad, the posterior and the latent scaling of <see cref="AutoencoderKL"/>.</summary>
public sealed class AutoencoderKLTests
{
    [Theory]
    [InlineData(4, true)]
    [InlineData(16, false)]
    public void A_16_pixel_image_encodes_to_8_by_8_latents_and_decodes_back_to_16(int latentChannels, bool quantConvs)
    {
        using var model = TinyVae.Model(TinyVae.Config(latentChannels, quantConvs));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var posterior = model.Encode(TinyVae.Images());
        Assert.Equal(new long[] { 2, latentChannels, 8, 8 }, posterior.Mean.shape);
        Assert.Equal(new long[] { 2, latentChannels, 8, 8 }, posterior.LogVar.shape);
        Assert.Equal(new long[] { 2, 3, 16, 16 }, model.Decode(posterior.Mean).shape);
    }

    [Fact]
    public void Parameter_names_are_diffusers()
    {
        using var with = TinyVae.Model(TinyVae.Config());
        var names = with.state_dict().Keys.ToHashSet();
        string[] expected =
        [
            "encoder.conv_in.weight", "encoder.down_blocks.0.resnets.0.norm1.weight", "encoder.down_blocks.0.resnets.0.conv2.bias",
            "encoder.down_blocks.0.downsamplers.0.conv.weight", "encoder.down_blocks.1.resnets.0.conv_shortcut.weight",
            "encoder.mid_block.resnets.0.norm2.bias", "encoder.mid_block.attentions.0.group_norm.weight", "encoder.mid_block.attentions.0.to_q.weight",
            "encoder.mid_block.attentions.0.to_k.bias", "encoder.mid_block.attentions.0.to_v.weight", "encoder.mid_block.attentions.0.to_out.0.weight",
            "encoder.mid_block.resnets.1.conv1.weight", "encoder.conv_norm_out.weight", "encoder.conv_out.weight",
            "quant_conv.weight", "quant_conv.bias", "post_quant_conv.weight",
            "decoder.conv_in.weight", "decoder.mid_block.attentions.0.to_out.0.bias", "decoder.up_blocks.0.resnets.1.conv1.weight",
            "decoder.up_blocks.0.upsamplers.0.conv.weight", "decoder.up_blocks.1.resnets.0.conv_shortcut.weight", "decoder.conv_norm_out.bias", "decoder.conv_out.bias",
        ];
        Assert.All(expected, n => Assert.Contains(n, names));
        Assert.DoesNotContain("encoder.down_blocks.1.downsamplers.0.conv.weight", names);   // the last block keeps its size
        Assert.DoesNotContain("decoder.up_blocks.1.upsamplers.0.conv.weight", names);
        Assert.DoesNotContain("encoder.down_blocks.0.resnets.0.conv_shortcut.weight", names);  // 8 -> 8: no shortcut conv
        Assert.DoesNotContain("decoder.up_blocks.0.resnets.2.conv1.weight", names);            // layers_per_block + 1 = 2 resnets per up-block
        Assert.Equal([8, 3, 3, 3], with.state_dict()["encoder.conv_in.weight"].shape);
        Assert.Equal([8, 8, 1, 1], with.state_dict()["quant_conv.weight"].shape);
        Assert.Equal([4, 4, 1, 1], with.state_dict()["post_quant_conv.weight"].shape);
        Assert.Equal([8, 16, 3, 3], with.state_dict()["encoder.conv_out.weight"].shape);

        using var without = TinyVae.Model(TinyVae.Config(16, quantConvs: false) with { MidBlockAddAttention = false });
        var bare = without.state_dict().Keys.ToList();
        Assert.DoesNotContain(bare, n => n.Contains("quant_conv") || n.Contains("attentions"));
        Assert.Equal([32, 16, 3, 3], without.state_dict()["encoder.conv_out.weight"].shape);
    }

    [Fact]
    public void A_fresh_model_s_group_norms_start_at_weight_1_and_bias_0_as_in_pytorch()
    {
        manual_seed(0);
        using var model = new AutoencoderKL(TinyVae.Config());
        var norms = model.named_parameters().Where(kv => kv.name.Contains("norm")).ToList();
        Assert.Equal(2 * (2 * (4 + 6) + 2 + 2), norms.Count);   // weight and bias of: 4 + 6 resnets x 2 norms, 2 attentions, 2 conv_norm_out
        foreach (var (name, p) in norms)
            Assert.True(p.equal(name.EndsWith(".weight") ? ones_like(p) : zeros_like(p)).all().item<bool>(), name);
    }

    [Fact]
    public void The_parameter_count_of_stable_diffusion_s_vae_is_diffusers()
    {
        // SD 1.x / 2.x vae/config.json: 83,653,863 parameters in diffusers.
        var config = new VaeConfig
        {
            BlockOutChannels = [128, 256, 512, 512], LayersPerBlock = 2, LatentChannels = 4, NormNumGroups = 32, SampleSize = 512,
            DownBlockTypes = Enumerable.Repeat(VaeConfig.DownBlockType, 4).ToArray(), UpBlockTypes = Enumerable.Repeat(VaeConfig.UpBlockType, 4).ToArray(),
        };
        Assert.Equal(83_653_863L, config.ParameterCount());
        using var model = new AutoencoderKL(config);
        Assert.Equal(83_653_863L, model.parameters().Sum(p => p.NumberOfElements));
    }

    [Theory]
    [InlineData(4, true, true)]
    [InlineData(16, false, true)]
    [InlineData(16, false, false)]
    public void The_parameter_count_from_the_config_is_the_module_s(int latentChannels, bool quantConvs, bool attention)
    {
        var config = TinyVae.Config(latentChannels, quantConvs) with { MidBlockAddAttention = attention, LayersPerBlock = 2, BlockOutChannels = [8, 16, 16],
            DownBlockTypes = Enumerable.Repeat(VaeConfig.DownBlockType, 3).ToArray(), UpBlockTypes = Enumerable.Repeat(VaeConfig.UpBlockType, 3).ToArray() };
        using var model = new AutoencoderKL(config);
        Assert.Equal(model.parameters().Sum(p => p.NumberOfElements), config.ParameterCount());
    }

    [Fact]
    public void Downsampling_pads_one_zero_row_and_column_at_the_bottom_and_right_only()
    {
        using var down = new Downsample2D(1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, p) in down.named_parameters()) { if (name.EndsWith("weight")) p.fill_(1.0); else p.zero_(); }
        // x[r, c] = 4r + c on a 4 x 4 grid; each output sums the 3 x 3 window at (2i, 2j), zeros past row/column 3.
        var x = arange(16, dtype: ScalarType.Float32).view(1, 1, 4, 4);
        var y = down.forward(x);
        // (0+1+2)+(4+5+6)+(8+9+10) = 45; (2+3)+(6+7)+(10+11) = 39; (8+9+10)+(12+13+14) = 66; 10+11+14+15 = 50.
        Assert.Equal(new float[] { 45, 39, 66, 50 }, y.data<float>().ToArray());
    }

    [Fact]
    public void Upsampling_repeats_each_pixel_2_by_2_before_its_conv()
    {
        using var up = new Upsample2D(1);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // A conv that passes the centre tap through: the output is the nearest-neighbour up-sampled input.
        foreach (var (name, p) in up.named_parameters()) p.zero_();
        up.named_parameters().Single(kv => kv.name.EndsWith("weight")).parameter[0, 0, 1, 1].fill_(1.0);
        var x = tensor(new float[] { 1, 2, 3, 4 }).view(1, 1, 2, 2);
        Assert.Equal(new float[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }, up.forward(x).data<float>().ToArray());
    }

    [Fact]
    public void The_posterior_splits_mean_and_logvar_and_clamps_logvar_to_minus_30_20()
    {
        using var scope = NewDisposeScope();
        var moments = tensor(new float[] { 0.5f, -2f, /* logvar */ 25f, -40f }).view(1, 4, 1, 1);
        using var posterior = new DiagonalGaussian(moments);
        Assert.Equal(new float[] { 0.5f, -2f }, posterior.Mean.data<float>().ToArray());
        Assert.Equal(new float[] { 20f, -30f }, posterior.LogVar.data<float>().ToArray());
        Assert.Equal(new float[] { 0.5f, -2f }, posterior.Mode().data<float>().ToArray());
    }

    [Fact]
    public void Seeded_sampling_is_mean_plus_std_times_the_generator_s_normal_noise()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var moments = randn(2, 8, 3, 3);
        using var posterior = new DiagonalGaussian(moments);
        Tensor Draw(ulong seed) { using var g = new Generator(seed); return posterior.Sample(g); }
        var a = Draw(42);
        Assert.True(a.equal(Draw(42)).all().item<bool>());
        Assert.False(a.equal(Draw(43)).all().item<bool>());
        using var g = new Generator(42);
        var noise = randn([2, 4, 3, 3], generator: g);
        var mean = moments[.., ..4];
        var std = exp(0.5 * moments[.., 4..]);
        Assert.True(a.allclose(mean + std * noise, rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void Latents_are_shifted_then_scaled_and_decoding_undoes_it()
    {
        using var model = TinyVae.Model(TinyVae.Config(16, quantConvs: false, scaling: 1.5305, shift: 0.0609));
        using var scope = NewDisposeScope();
        var z = tensor(new float[] { 1f, -0.5f }).view(1, 2, 1, 1);
        // (1 - 0.0609) * 1.5305 = 1.43729255; (-0.5 - 0.0609) * 1.5305 = -0.85845745.
        Assert.True(model.ToLatents(z).allclose(tensor(new float[] { 1.43729255f, -0.85845745f }).view(1, 2, 1, 1), rtol: 1e-6, atol: 1e-6));
        Assert.True(model.FromLatents(model.ToLatents(z)).allclose(z, rtol: 1e-6, atol: 1e-6));
        // 1 / 1.5305 + 0.0609 = 0.71428125
        Assert.Equal(0.71428125f, model.FromLatents(tensor(1f)).item<float>(), 6);

        using var unshifted = TinyVae.Model(TinyVae.Config(scaling: 0.18215, shift: null));
        Assert.Equal(2f * 0.18215f, unshifted.ToLatents(tensor(2f)).item<float>(), 6);
    }

    [Fact]
    public void Images_of_a_size_the_encoder_cannot_halve_are_refused()
    {
        using var model = TinyVae.Model(TinyVae.Config());
        using var noGrad = no_grad();
        var e = Assert.Throws<ArgumentException>(() => model.Encode(zeros(1, 3, 15, 16)));
        Assert.Contains("multiples of 2", e.Message);
        Assert.Contains("[1, 3, 4, 4]", Assert.Throws<ArgumentException>(() => model.Decode(zeros(1, 3, 4, 4))).Message);
    }
}
