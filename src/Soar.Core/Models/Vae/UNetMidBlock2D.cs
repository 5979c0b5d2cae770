using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Vae;

/// <summary>
/// diffusers' UNetMidBlock2D with one layer and no time embedding: resnets.0, attentions.0 (absent when
/// mid_block_add_attention is false), resnets.1, all at the same width.
/// </summary>
public sealed class UNetMidBlock2D : Module<Tensor, Tensor>
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<VaeAttention> attentions;

    public UNetMidBlock2D(int channels, int groups, bool addAttention) : base(nameof(UNetMidBlock2D))
    {
        var first = new ResnetBlock2D(channels, channels, groups);
        var attention = addAttention ? new VaeAttention(channels, groups) : null;
        resnets = new ModuleList<ResnetBlock2D>(first, new ResnetBlock2D(channels, channels, groups));
        attentions = attention is null ? new ModuleList<VaeAttention>() : new ModuleList<VaeAttention>(attention);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = resnets[0].forward(x);
        if (attentions.Count > 0) h = attentions[0].forward(h);
        return resnets[1].forward(h).MoveToOuterDisposeScope();
    }
}
