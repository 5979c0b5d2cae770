using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Vae;

/// <summary>
/// diffusers' ResnetBlock2D as the VAE uses it (no time embedding, output_scale_factor 1, dropout 0):
/// x + conv2(silu(norm2(conv1(silu(norm1(x)))))), x through a 1x1 conv_shortcut when the channel count changes.
/// </summary>
public sealed class ResnetBlock2D : Module<Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;
    private readonly Conv2d? conv_shortcut;

    public ResnetBlock2D(int inChannels, int outChannels, int groups) : base(nameof(ResnetBlock2D))
    {
        // Created in diffusers' order so that one seed gives the same initial weights.
        norm1 = GroupNorms.Create(groups, inChannels, VaeConfig.NormEps);
        conv1 = Conv2d(inChannels, outChannels, 3, padding: 1);
        norm2 = GroupNorms.Create(groups, outChannels, VaeConfig.NormEps);
        conv2 = Conv2d(outChannels, outChannels, 3, padding: 1);
        if (inChannels != outChannels) conv_shortcut = Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv1.forward(functional.silu(norm1.forward(x)));
        h = conv2.forward(functional.silu(norm2.forward(h)));
        var shortcut = conv_shortcut is null ? x : conv_shortcut.forward(x);
        return (shortcut + h).MoveToOuterDisposeScope();
    }
}
