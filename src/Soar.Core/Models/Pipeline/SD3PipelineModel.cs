using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Models.Pipeline;

/// <summary>
/// The sd3-pipeline architecture behind the model seam: the folder's <see cref="SD3Transformer2DModel"/> (under
/// "transformer.", diffusers' names, LoRA targets relative to it) conditioned on a <see cref="PromptTable"/> of
/// embeddings the pipeline's own text encoders made. A caption is its row number ([B, 1] ids), so objectives, CFG and
/// caption dropout work unchanged and no text encoder runs per step. The table is not a weight: it is not saved with the
/// checkpoint, and a stage sets the one for its prompts (<see cref="Prompts"/>).
/// Velocity is the transformer's sample at timestep 1000 s (x_s = (1 - s) x0 + s eps in latent space, output eps - x0).
/// </summary>
public sealed class SD3PipelineModel : VelocityModel
{
    private readonly SD3PipelineConfig _config;
    private readonly SD3Transformer2DModel transformer;
    // Held in a box: a tensor field would be registered as a buffer and saved with the weights.
    private readonly PromptBox _prompts = new();

    public override ModelConfig Config => _config;

    public override bool GradientCheckpointing { get => transformer.GradientCheckpointing; set => transformer.GradientCheckpointing = value; }
    public SD3Transformer2DModel Transformer => transformer;

    /// <summary>The prompts captions index into; the model does not own it.</summary>
    public PromptTable? Prompts { get => _prompts.Table; set => _prompts.Table = value; }

    public SD3PipelineModel(SD3PipelineConfig config) : base(nameof(SD3PipelineModel))
    {
        config.Validate();
        _config = config;
        transformer = new SD3Transformer2DModel(config.Transformer);
        RegisterComponents();
    }

    public override EncodedCaption EncodeCaption(Tensor ids)
    {
        var table = Prompts ?? throw new InvalidOperationException("the sd3-pipeline model has no prompt table; encode the prompts first");
        using var scope = NewDisposeScope();
        var device = transformer.parameters().First().device;
        var rows = ids.select(1, 0).to(CPU);
        var tokens = table.EncoderHiddenStates.index_select(0, rows).to(device);
        var pooled = table.PooledProjections.index_select(0, rows).to(device);
        // SD3 attends every context token: a zero mask.
        var mask = zeros([ids.shape[0], 1, 1, tokens.shape[1]], device: device);
        return new EncodedCaption(tokens.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope(), mask.MoveToOuterDisposeScope());
    }

    public override Tensor Velocity(Tensor x, Tensor sigma, EncodedCaption caption)
    {
        using var scope = NewDisposeScope();
        return transformer.forward(x, sigma * 1000.0, caption.Tokens, caption.Pooled).MoveToOuterDisposeScope();
    }

    private sealed class PromptBox { public PromptTable? Table; }
}
