using Soar.Core.Models.Lora;
using static TorchSharp.torch;

namespace Soar.Core.Models.SD3;

/// <summary>
/// The sd3 architecture behind the model seam: an <see cref="SD3Transformer2DModel"/> ("transformer", whose state-dict
/// names under that prefix are diffusers') fed by the project's caption encoder, whose tokens are projected to
/// joint_attention_dim and whose pooled vector to pooled_projection_dim, in place of CLIP/T5 until real encoders exist.
/// The project's velocity and diffusers' SD3 output are the same quantity: with x_s = (1 - s) x0 + s eps both are
/// eps - x0 (the FlowMatchEulerDiscreteScheduler steps x + (s_next - s) * output), so Velocity is the transformer's
/// sample at timestep 1000 s, unchanged.
/// </summary>
public sealed class SD3FlowModel : VelocityModel
{
    private readonly SD3Config _config;
    private readonly SD3Transformer2DModel transformer;
    private readonly TextEncoder text_encoder;
    private readonly LoraLinear token_projection;
    private readonly LoraLinear pooled_projection;

    public override ModelConfig Config => _config;

    public override bool GradientCheckpointing { get => transformer.GradientCheckpointing; set => transformer.GradientCheckpointing = value; }

    /// <summary>The diffusers transformer (saved alone in the diffusers layout; LoRA targets are named relative to it).</summary>
    public SD3Transformer2DModel Transformer => transformer;

    public SD3FlowModel(SD3Config config) : base(nameof(SD3FlowModel))
    {
        config.Validate();
        _config = config;
        transformer = new SD3Transformer2DModel(config);
        text_encoder = new TextEncoder(config.VocabSize, config.MaxTokens, config.TextDim, config.TextHeads, config.TextLayers, config.MlpRatio);
        token_projection = new LoraLinear(config.TextDim, config.JointAttentionDim);
        pooled_projection = new LoraLinear(config.TextDim, config.PooledProjectionDim);
        RegisterComponents();
    }

    /// <summary>Tokens [B, L, joint_attention_dim] and pooled [B, pooled_projection_dim]; the key mask is kept but SD3 attends unmasked, as diffusers does.</summary>
    public override EncodedCaption EncodeCaption(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var encoded = text_encoder.forward(ids);
        return new EncodedCaption(
            token_projection.forward(encoded.Tokens).MoveToOuterDisposeScope(),
            pooled_projection.forward(encoded.Pooled).MoveToOuterDisposeScope(),
            encoded.KeyMask.MoveToOuterDisposeScope());
    }

    /// <summary>The transformer's sample for latents x at timestep 1000 s: the velocity eps - x0 (see the class summary).</summary>
    public override Tensor Velocity(Tensor x, Tensor sigma, EncodedCaption caption)
    {
        using var scope = NewDisposeScope();
        return transformer.forward(x, sigma * 1000.0, caption.Tokens, caption.Pooled).MoveToOuterDisposeScope();
    }
}
