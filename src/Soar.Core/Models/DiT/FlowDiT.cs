using Soar.Core.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.DiT;

/// <summary>
/// Text-conditioned Diffusion Transformer predicting the rectified-flow velocity v = eps - x0 in pixel space.
/// Caption tokens and image patches share one attention sequence (in-context conditioning); the timestep
/// plus the pooled caption drive adaLN-Zero in every block.
/// </summary>
public sealed class FlowDiT : VelocityModel
{
    private readonly DiTConfig _config;

    public override ModelConfig Config => _config;

    private readonly Conv2d x_embedder;
    private readonly Tensor pos_embed;
    private readonly TimestepEmbedder t_embedder;
    private readonly TextEncoder text_encoder;
    private readonly Linear text_pool_proj;
    private readonly Linear text_token_proj;
    private readonly ModuleList<DiTBlock> blocks;
    private readonly FinalLayer final_layer;

    public FlowDiT(DiTConfig config) : base(nameof(FlowDiT))
    {
        config.Validate();
        _config = config;
        int d = config.HiddenSize;
        x_embedder = Conv2d(config.Channels, d, config.PatchSize, stride: config.PatchSize);
        pos_embed = tensor(SinCos.Grid2D(d, config.PatchesPerSide)).view(1, config.ImageTokens, d);
        t_embedder = new TimestepEmbedder(d);
        text_encoder = new TextEncoder(config.VocabSize, config.MaxTokens, d, config.Heads, config.TextLayers, config.MlpRatio);
        text_pool_proj = Linear(d, d);
        text_token_proj = Linear(d, d);
        blocks = new ModuleList<DiTBlock>(Enumerable.Range(0, config.Depth).Select(_ => new DiTBlock(d, config.Heads, config.MlpRatio)).ToArray());
        final_layer = new FinalLayer(d, config.PatchSize, config.Channels);
        // Fixed positions are derived from the config, so they are not saved in checkpoints.
        register_buffer(nameof(pos_embed), pos_embed, persistent: false);
        RegisterComponents();
    }

    /// <summary>Encodes caption ids once, so CFG and multi-point objectives can reuse it.</summary>
    public override EncodedCaption EncodeCaption(Tensor ids) => text_encoder.forward(ids);

    /// <summary>The velocity for an already-encoded caption (batch rows must match x).</summary>
    public override Tensor Velocity(Tensor x, Tensor sigma, EncodedCaption caption)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0];
        int n = _config.ImageTokens;
        var patches = x_embedder.forward(x).flatten(2).transpose(1, 2) + pos_embed;
        var text = text_token_proj.forward(caption.Tokens);
        var c = t_embedder.forward(sigma) + text_pool_proj.forward(caption.Pooled);
        var h = cat([text, patches], dim: 1);
        var mask = cat([caption.KeyMask, zeros(b, 1, 1, n, dtype: ScalarType.Float32, device: x.device)], dim: 3);
        foreach (var block in blocks) h = BlockCheckpoint.Run(GradientCheckpointing, block, xs => block.forward(xs[0], xs[1], xs[2]), h, c, mask);
        var image = h.narrow(1, h.shape[1] - n, n);
        var outPatches = final_layer.forward(image, c);
        return Unpatchify(outPatches).MoveToOuterDisposeScope();
    }

    private Tensor Unpatchify(Tensor patches)
    {
        int p = _config.PatchSize, g = _config.PatchesPerSide, ch = _config.Channels;
        return patches.view(patches.shape[0], g, g, p, p, ch)
            .permute(0, 5, 1, 3, 2, 4)
            .reshape(patches.shape[0], ch, g * p, g * p);
    }
}
