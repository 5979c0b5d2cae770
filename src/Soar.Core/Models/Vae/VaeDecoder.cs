using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Vae;

/// <summary>
/// diffusers' vae.Decoder: conv_in from latent_channels to the widest block, mid_block, up_blocks.{i} over the
/// widths reversed (layers_per_block + 1 resnets each, all but the last doubling H and W), conv_norm_out, SiLU, conv_out.
/// </summary>
public sealed class VaeDecoder : Module<Tensor, Tensor>
{
    private readonly Conv2d conv_in;
    private readonly UNetMidBlock2D mid_block;
    private readonly ModuleList<UpDecoderBlock2D> up_blocks;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;

    public VaeDecoder(VaeConfig config) : base(nameof(VaeDecoder))
    {
        var reversed = config.BlockOutChannels.Reverse().ToArray();
        int groups = config.NormNumGroups;
        // diffusers builds the mid-block before the up-blocks: the same order keeps seeded initialisation identical.
        conv_in = Conv2d(config.LatentChannels, reversed[0], 3, padding: 1);
        mid_block = new UNetMidBlock2D(reversed[0], groups, config.MidBlockAddAttention);
        up_blocks = new ModuleList<UpDecoderBlock2D>(Enumerable.Range(0, reversed.Length)
            .Select(i => new UpDecoderBlock2D(i == 0 ? reversed[0] : reversed[i - 1], reversed[i], config.LayersPerBlock + 1, groups, addUpsample: i < reversed.Length - 1))
            .ToArray());
        conv_norm_out = GroupNorms.Create(groups, reversed[^1], VaeConfig.NormEps);
        conv_out = Conv2d(reversed[^1], config.OutChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = mid_block.forward(conv_in.forward(z));
        foreach (var block in up_blocks) h = block.forward(h);
        return conv_out.forward(functional.silu(conv_norm_out.forward(h))).MoveToOuterDisposeScope();
    }
}
