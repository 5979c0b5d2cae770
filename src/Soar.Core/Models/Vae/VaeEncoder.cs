using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Vae;

/// <summary>
/// diffusers' vae.Encoder with double_z: conv_in, down_blocks.{i} (block_out_channels[i] wide, all but the last
/// halving H and W), mid_block, conv_norm_out, SiLU, conv_out to 2 * latent_channels moments (mean, logvar).
/// </summary>
public sealed class VaeEncoder : Module<Tensor, Tensor>
{
    private readonly Conv2d conv_in;
    private readonly ModuleList<DownEncoderBlock2D> down_blocks;
    private readonly UNetMidBlock2D mid_block;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;

    public VaeEncoder(VaeConfig config) : base(nameof(VaeEncoder))
    {
        var widths = config.BlockOutChannels;
        int groups = config.NormNumGroups;
        conv_in = Conv2d(config.InChannels, widths[0], 3, padding: 1);
        down_blocks = new ModuleList<DownEncoderBlock2D>(Enumerable.Range(0, widths.Count)
            .Select(i => new DownEncoderBlock2D(i == 0 ? widths[0] : widths[i - 1], widths[i], config.LayersPerBlock, groups, addDownsample: i < widths.Count - 1))
            .ToArray());
        mid_block = new UNetMidBlock2D(widths[^1], groups, config.MidBlockAddAttention);
        conv_norm_out = GroupNorms.Create(groups, widths[^1], VaeConfig.NormEps);
        conv_out = Conv2d(widths[^1], 2 * config.LatentChannels, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.forward(x);
        foreach (var block in down_blocks) h = block.forward(h);
        h = mid_block.forward(h);
        return conv_out.forward(functional.silu(conv_norm_out.forward(h))).MoveToOuterDisposeScope();
    }
}
