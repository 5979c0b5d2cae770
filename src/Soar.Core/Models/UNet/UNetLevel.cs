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

    /// <summary>Recompute each residual block and caption attention in the backward pass (<see cref="BlockCheckpoint"/>).</summary>
    public bool Checkpointed { get; set; }

    public override Tensor forward(Tensor x, Tensor c, EncodedCaption caption)
    {
        using var scope = NewDisposeScope();
        var h = x;
        for (int i = 0; i < res.Count; i++)
        {
            var block = res[i];
            h = BlockCheckpoint.Run(Checkpointed, block, xs => block.forward(xs[0], xs[1]), h, c);
            if (attn.Count == 0) continue;
            var attention = attn[i];
            h = BlockCheckpoint.Run(Checkpointed, attention, xs => attention.forward(xs[0], xs[1], xs[2]), h, caption.Tokens, caption.KeyMask);
        }
        return h.MoveToOuterDisposeScope();
    }
}
