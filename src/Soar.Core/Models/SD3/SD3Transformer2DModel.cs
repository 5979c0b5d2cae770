using Soar.Core.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary>
/// diffusers' SD3Transformer2DModel (Stable Diffusion 3 / 3.5 MMDiT), with its parameter names: pos_embed,
/// time_text_embed, context_embedder, transformer_blocks.{i} (the last context-pre-only; those in
/// dual_attention_layers with MMDiT-X's second attention), norm_out, proj_out. Initialisation is PyTorch's default,
/// as diffusers': nothing is zero-initialised, so a fresh model does not predict zero.
/// </summary>
public sealed class SD3Transformer2DModel : Module
{
    private readonly SD3Config _config;
    private readonly PatchEmbed pos_embed;
    private readonly TimestepTextEmbedding time_text_embed;
    private readonly LoraLinear context_embedder;
    private readonly ModuleList<JointTransformerBlock> transformer_blocks;
    private readonly AdaLayerNormContinuous norm_out;
    private readonly LoraLinear proj_out;

    public SD3Config Config => _config;

    /// <summary>Recompute each joint block in the backward pass (<see cref="BlockCheckpoint"/>) instead of keeping its activations.</summary>
    public bool GradientCheckpointing { get; set; }

    public SD3Transformer2DModel(SD3Config config) : base(nameof(SD3Transformer2DModel))
    {
        config.ValidateTransformer();
        _config = config;
        int d = config.InnerDim;
        pos_embed = new PatchEmbed(config.SampleSize, config.PatchSize, config.InChannels, d, config.PosEmbedMaxSize!.Value);
        time_text_embed = new TimestepTextEmbedding(d, config.PooledProjectionDim);
        context_embedder = new LoraLinear(config.JointAttentionDim, config.CaptionProjectionDim);
        transformer_blocks = new ModuleList<JointTransformerBlock>(Enumerable.Range(0, config.NumLayers)
            .Select(i => new JointTransformerBlock(d, config.NumAttentionHeads, config.AttentionHeadDim,
                contextPreOnly: i == config.NumLayers - 1, config.QkNorm, dualAttention: config.DualAttentionLayers.Contains(i)))
            .ToArray());
        norm_out = new AdaLayerNormContinuous(d, d);
        proj_out = new LoraLinear(d, (long)config.PatchSize * config.PatchSize * config.OutputChannels);
        RegisterComponents();
    }

    /// <param name="hiddenStates">[B, in_channels, H, W] latents.</param>
    /// <param name="timestep">[B] timesteps as the pipeline passes them (1000 sigma).</param>
    /// <param name="encoderHiddenStates">[B, L, joint_attention_dim] text tokens.</param>
    /// <param name="pooledProjections">[B, pooled_projection_dim] pooled text.</param>
    /// <returns>[B, out_channels, H, W] "sample".</returns>
    public Tensor forward(Tensor hiddenStates, Tensor timestep, Tensor encoderHiddenStates, Tensor pooledProjections)
    {
        using var scope = NewDisposeScope();
        long b = hiddenStates.shape[0], height = hiddenStates.shape[2], width = hiddenStates.shape[3];
        var h = pos_embed.forward(hiddenStates);
        var temb = time_text_embed.forward(timestep, pooledProjections);
        Tensor? context = context_embedder.forward(encoderHiddenStates);
        foreach (var block in transformer_blocks)
        {
            // The last block is context-pre-only: it returns no context.
            var outputs = BlockCheckpoint.Run(GradientCheckpointing, block, xs =>
            {
                var (e, image) = block.forward(xs[0], xs[1], xs[2]);
                return e is null ? [image] : [e, image];
            }, h, context!, temb);
            (context, h) = outputs.Length == 2 ? (outputs[0], outputs[1]) : (null, outputs[0]);
        }
        h = proj_out.forward(norm_out.forward(h, temb));
        return Unpatchify(h, b, height, width).MoveToOuterDisposeScope();
    }

    /// <summary>[B, h*w, p*p*C] -> [B, C, h*p, w*p] (einsum "nhwpqc->nchpwq").</summary>
    private Tensor Unpatchify(Tensor patches, long b, long height, long width)
    {
        int p = _config.PatchSize, c = _config.OutputChannels;
        long gh = height / p, gw = width / p;
        return patches.reshape(b, gh, gw, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(b, c, gh * p, gw * p);
    }
}
