using Soar.Core.Models.Vae;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Soar.Core.Tests.Models.Vae;

/// <summary>
/// The whole encoder and decoder recomputed from the state dict with plain tensor ops, written from diffusers' formulas
/// (vae.Encoder / Decoder, ResnetBlock2D, Downsample2D with the (0, 1, 0, 1) pad, Upsample2D, UNetMidBlock2D and
/// AttnProcessor2_0): group norm as (x - mean) / sqrt(var + 1e-6) per group, attention as an explicit
/// softmax(q k^T / sqrt(C)) v over the H*W tokens: our stand-in for a comparison with diffusers itself.
/// </summary>
public sealed class VaeReferenceForwardTests
{
    [Theory]
    [InlineData(4, true)]
    [InlineData(16, false)]
    public void Encode_and_decode_equal_the_formulas(int latentChannels, bool quantConvs)
    {
        var config = TinyVae.Config(latentChannels, quantConvs);
        using var model = TinyVae.Model(config);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sd = model.state_dict();
        const int G = 4;

        Tensor GroupNorm(Tensor x, string name)
        {
            long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
            var g = x.reshape(b, G, -1);
            var mean = g.mean([2L], keepdim: true);
            var variance = (g - mean).pow(2).mean([2L], keepdim: true);
            var normed = ((g - mean) / sqrt(variance + 1e-6)).reshape(b, c, h, w);
            return normed * sd[name + ".weight"].view(1, c, 1, 1) + sd[name + ".bias"].view(1, c, 1, 1);
        }
        Tensor Conv(Tensor x, string name, long padding = 1, long stride = 1) =>
            F.conv2d(x, sd[name + ".weight"], sd[name + ".bias"], strides: [stride, stride], padding: [padding, padding]);
        Tensor Silu(Tensor x) => x * sigmoid(x);
        Tensor Resnet(Tensor x, string name)
        {
            var h = Conv(Silu(GroupNorm(x, name + ".norm1")), name + ".conv1");
            h = Conv(Silu(GroupNorm(h, name + ".norm2")), name + ".conv2");
            var shortcut = sd.ContainsKey(name + ".conv_shortcut.weight") ? Conv(x, name + ".conv_shortcut", padding: 0) : x;
            return shortcut + h;
        }
        Tensor Linear(Tensor x, string name) => x.matmul(sd[name + ".weight"].t()) + sd[name + ".bias"];
        Tensor Attention(Tensor x, string name)
        {
            long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
            var tokens = GroupNorm(x, name + ".group_norm").reshape(b, c, h * w).permute(0, 2, 1);
            var q = Linear(tokens, name + ".to_q");
            var k = Linear(tokens, name + ".to_k");
            var v = Linear(tokens, name + ".to_v");
            var attended = softmax(q.matmul(k.transpose(1, 2)) / Math.Sqrt(c), -1).matmul(v);
            return Linear(attended, name + ".to_out.0").permute(0, 2, 1).reshape(b, c, h, w) + x;
        }
        Tensor Mid(Tensor x, string name) => Resnet(Attention(Resnet(x, name + ".resnets.0"), name + ".attentions.0"), name + ".resnets.1");
        // Downsample2D: F.pad (left 0, right 1, top 0, bottom 1), then 3 x 3 stride 2 without padding.
        Tensor Down(Tensor x, string name) => Conv(cat([cat([x, zeros(x.shape[0], x.shape[1], x.shape[2], 1)], 3), zeros(x.shape[0], x.shape[1], 1, x.shape[3] + 1)], 2), name, padding: 0, stride: 2);
        Tensor Up(Tensor x, string name) => Conv(x.repeat_interleave(2, dim: 2).repeat_interleave(2, dim: 3), name);

        var images = TinyVae.Images();
        // Encoder: conv_in; block 0 (8 wide, halves); block 1 (16 wide, 8 -> 16 via the shortcut conv); mid; out.
        var e = Conv(images, "encoder.conv_in");
        e = Down(Resnet(e, "encoder.down_blocks.0.resnets.0"), "encoder.down_blocks.0.downsamplers.0.conv");
        e = Resnet(e, "encoder.down_blocks.1.resnets.0");
        e = Mid(e, "encoder.mid_block");
        var moments = Conv(Silu(GroupNorm(e, "encoder.conv_norm_out")), "encoder.conv_out");
        if (quantConvs) moments = Conv(moments, "quant_conv", padding: 0);
        var mean = moments[.., ..latentChannels];
        var logvar = moments[.., latentChannels..].clamp(-30, 20);

        using var posterior = model.Encode(images);
        Assert.True(posterior.Mean.allclose(mean, rtol: 1e-4, atol: 1e-5), $"mean differs by {(posterior.Mean - mean).abs().max().item<float>()}");
        Assert.True(posterior.LogVar.allclose(logvar, rtol: 1e-4, atol: 1e-5));

        // Decoder: post_quant_conv; conv_in to 16; mid; up block 0 (16 wide, two resnets, doubles); up block 1 (16 -> 8); out.
        manual_seed(5);
        var z = randn(2, latentChannels, 8, 8);
        var d = quantConvs ? Conv(z, "post_quant_conv", padding: 0) : z;
        d = Mid(Conv(d, "decoder.conv_in"), "decoder.mid_block");
        d = Up(Resnet(Resnet(d, "decoder.up_blocks.0.resnets.0"), "decoder.up_blocks.0.resnets.1"), "decoder.up_blocks.0.upsamplers.0.conv");
        d = Resnet(Resnet(d, "decoder.up_blocks.1.resnets.0"), "decoder.up_blocks.1.resnets.1");
        var sample = Conv(Silu(GroupNorm(d, "decoder.conv_norm_out")), "decoder.conv_out");

        var decoded = model.Decode(z);
        Assert.True(decoded.allclose(sample, rtol: 1e-4, atol: 1e-5), $"sample differs by {(decoded - sample).abs().max().item<float>()}");
    }
}
