using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.UNet;

/// <summary>One resolution of the U-Net: residual blocks, each followed by caption attention when the level attends.</summary>
public sealed class UNetLevel : Module<Tensor, Tensor, EncodedCaption, Tensor>
{
    private readonly ModuleList<ResBlock> res;
    private readonly ModuleList<CaptionAttention> attn;

    public UNetLevel(int inChannels, int outChannels, int blocks, bool attends, int conditionDim, int textDim, int heads) : base(nameof(UNetLevel))
    {
        res = new ModuleList<ResBlock>(Enumerable.Range(0, blocks).Select(i => new ResBlock(i == 0 ? inChannels : outChannels, outChannels, conditionDim)).ToArray());
        attn = new ModuleList<CaptionAttention>(attends ? Enumerable.Range(0, blocks).Select(_ => new CaptionAttention(outChannels, textDim, heads)).ToArray() : []);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor c, EncodedCaption caption)
    {
        using var scope = NewDisposeScope();
        var h = x;
        for (int i = 0; i < res.Count; i++)
        {
            h = res[i].forward(h, c);
            if (attn.Count > 0) h = attn[i].forward(h, caption.Tokens, caption.KeyMask);
        }
        return h.MoveToOuterDisposeScope();
    }
}
