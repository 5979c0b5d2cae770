using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Vae;

/// <summary>
/// diffusers' Downsample2D with use_conv and padding 0 (the encoder's): zero-pad one column on the right and one row
/// at the bottom (F.pad (0, 1, 0, 1)), then a 3x3 stride-2 conv without padding, so H x W becomes H/2 x W/2.
/// </summary>
public sealed class Downsample2D : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    public Downsample2D(int channels) : base(nameof(Downsample2D))
    {
        conv = Conv2d(channels, channels, 3, stride: 2, padding: 0L);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var padded = functional.pad(x, [0, 1, 0, 1], TorchSharp.PaddingModes.Constant, 0.0);
        return conv.forward(padded);
    }
}
