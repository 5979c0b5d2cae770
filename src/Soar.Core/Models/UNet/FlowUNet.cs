using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.UNet;

/// <summary>
/// Text-conditioned U-Net predicting the rectified-flow velocity v = eps - x0 in pixel space. A down path of
/// residual conv levels (stride-2 convs between them), a middle level and an up path (nearest upsampling + conv)
/// that concatenates each down level's output; the timestep plus the pooled caption scale and shift every residual
/// block, and levels at most <see cref="UNetConfig.AttentionResolution"/> pixels wide attend to the caption tokens.
/// The zero-initialised output conv makes a fresh model predict v = 0, like the DiT.
/// </summary>
public sealed class FlowUNet : VelocityModel
{
    private readonly UNetConfig _config;

    public override ModelConfig Config => _config;

    public override bool GradientCheckpointing
    {
        get => middle.Checkpointed;
        set { foreach (var level in down.Concat(up).Append(middle)) level.Checkpointed = value; }
    }

    private readonly TextEncoder text_encoder;
    private readonly TimestepEmbedder t_embedder;
    private readonly Linear text_pool_proj;
    private readonly Conv2d stem;
    private readonly ModuleList<UNetLevel> down;
    private readonly ModuleList<Conv2d> downsample;
    private readonly UNetLevel middle;
    private readonly ModuleList<Conv2d> upsample;
    private readonly ModuleList<UNetLevel> up;
    private readonly GroupNorm out_norm;
    private readonly Conv2d out_conv;

    public FlowUNet(UNetConfig config) : base(nameof(FlowUNet))
    {
        config.Validate();
        _config = config;
        int levels = config.ChannelMults.Count, d = config.TextDim;
        bool Attends(int level) => config.SideAt(level) <= config.AttentionResolution;
        UNetLevel Level(int inCh, int outCh, int level) => new(inCh, outCh, config.ResBlocksPerLevel, Attends(level), d, d, config.Heads);

        text_encoder = new TextEncoder(config.VocabSize, config.MaxTokens, d, config.TextHeads, config.TextLayers, config.MlpRatio);
        t_embedder = new TimestepEmbedder(d);
        text_pool_proj = Linear(d, d);
        int cells = config.Channels * config.PatchSize * config.PatchSize;
        stem = Conv2d(cells, config.ChannelsAt(0), 3, padding: 1);
        down = new ModuleList<UNetLevel>(Enumerable.Range(0, levels)
            .Select(i => Level(i == 0 ? config.ChannelsAt(0) : config.ChannelsAt(i - 1), config.ChannelsAt(i), i)).ToArray());
        downsample = new ModuleList<Conv2d>(Enumerable.Range(0, levels - 1)
            .Select(i => Conv2d(config.ChannelsAt(i), config.ChannelsAt(i), 3, stride: 2, padding: 1)).ToArray());
        int bottom = config.ChannelsAt(levels - 1);
        middle = new UNetLevel(bottom, bottom, 1, Attends(levels - 1), d, d, config.Heads);
        // up[k] is level i = levels-1-k, fed by the level below (upsample[k-1] narrows it to level i's width) and level i's skip.
        up = new ModuleList<UNetLevel>(Enumerable.Range(0, levels).Select(k => levels - 1 - k)
            .Select(i => Level((i == levels - 1 ? bottom : config.ChannelsAt(i)) + config.ChannelsAt(i), config.ChannelsAt(i), i)).ToArray());
        upsample = new ModuleList<Conv2d>(Enumerable.Range(1, levels - 1).Select(k => levels - 1 - k)
            .Select(i => Conv2d(config.ChannelsAt(i + 1), config.ChannelsAt(i), 3, padding: 1)).ToArray());
        out_norm = GroupNorms.Create(UNetConfig.Groups, config.ChannelsAt(0), UNetConfig.NormEps);
        out_conv = Conv2d(config.ChannelsAt(0), cells, 3, padding: 1);
        RegisterComponents();
        using (no_grad())
        {
            out_conv.weight!.zero_();
            out_conv.bias!.zero_();
        }
    }

    /// <summary>Encodes caption ids once, so CFG and multi-point objectives can reuse it.</summary>
    public override EncodedCaption EncodeCaption(Tensor ids) => text_encoder.forward(ids);

    /// <summary>The velocity for an already-encoded caption (batch rows must match x).</summary>
    public override Tensor Velocity(Tensor x, Tensor sigma, EncodedCaption caption)
    {
        using var scope = NewDisposeScope();
        var c = t_embedder.forward(sigma) + text_pool_proj.forward(caption.Pooled);
        int p = _config.PatchSize;
        var h = stem.forward(p > 1 ? functional.pixel_unshuffle(x, p) : x);
        var skips = new List<Tensor>();
        for (int i = 0; i < down.Count; i++)
        {
            h = down[i].forward(h, c, caption);
            skips.Add(h);
            if (i < downsample.Count) h = downsample[i].forward(h);
        }
        h = middle.forward(h, c, caption);
        for (int k = 0; k < up.Count; k++)
        {
            if (k > 0) h = upsample[k - 1].forward(functional.interpolate(h, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest));
            h = up[k].forward(cat([h, skips[^(k + 1)]], dim: 1), c, caption);
        }
        var v = out_conv.forward(functional.silu(out_norm.forward(h)));
        return (p > 1 ? functional.pixel_shuffle(v, p) : v).MoveToOuterDisposeScope();
    }
}
