using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.UNet;

/// <summary>
/// GroupNorm - SiLU - conv, then GroupNorm scaled and shifted by the condition (timestep + pooled caption) - SiLU -
/// conv, plus the input (through a 1x1 conv when the width changes). The second conv starts at zero, so a fresh
/// block passes its (projected) input through.
/// </summary>
public sealed class ResBlock : Module<Tensor, Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly Linear modulation;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;
    private readonly Conv2d? skip;

    public ResBlock(int inChannels, int outChannels, int conditionDim) : base(nameof(ResBlock))
    {
        norm1 = GroupNorms.Create(UNetConfig.Groups, inChannels, UNetConfig.NormEps);
        conv1 = Conv2d(inChannels, outChannels, 3, padding: 1);
        modulation = Linear(conditionDim, 2 * outChannels);
        norm2 = GroupNorms.Create(UNetConfig.Groups, outChannels, UNetConfig.NormEps);
        conv2 = Conv2d(outChannels, outChannels, 3, padding: 1);
        if (inChannels != outChannels) skip = Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
        using (no_grad())
        {
            conv2.weight!.zero_();
            conv2.bias!.zero_();
        }
    }

    /// <param name="x">[B, Cin, H, W] features.</param>
    /// <param name="c">[B, D] condition vector.</param>
    public override Tensor forward(Tensor x, Tensor c)
    {
        using var scope = NewDisposeScope();
        var h = conv1.forward(functional.silu(norm1.forward(x)));
        var mod = modulation.forward(functional.silu(c)).unsqueeze(2).unsqueeze(3).chunk(2, dim: 1);
        h = norm2.forward(h) * (mod[0] + 1) + mod[1];
        h = conv2.forward(functional.silu(h));
        var residual = skip is null ? x : skip.forward(x);
        return (residual + h).MoveToOuterDisposeScope();
    }
}
