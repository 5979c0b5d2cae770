using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Vae;

/// <summary>diffusers' Upsample2D with use_conv (the decoder's): nearest 2x up-sampling, then a 3x3 conv with padding 1.</summary>
public sealed class Upsample2D : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;

    public Upsample2D(int channels) : base(nameof(Upsample2D))
    {
        conv = Conv2d(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var up = functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
        return conv.forward(up);
    }
}
