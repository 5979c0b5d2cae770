using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>transformers' T5Stack as the encoder ("encoder"): block.{i} (relative_attention_bias in block 0 only), final_layer_norm.</summary>
public sealed class T5Stack : Module<Tensor, Tensor>
{
    private readonly ModuleList<T5Block> block;
    private readonly T5LayerNorm final_layer_norm;

    public T5Stack(T5Config config) : base(nameof(T5Stack))
    {
        block = new ModuleList<T5Block>(Enumerable.Range(0, config.NumLayers).Select(i => new T5Block(config, hasRelativeAttentionBias: i == 0)).ToArray());
        final_layer_norm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon);
        RegisterComponents();
    }

    /// <param name="embeddings">[B, L, d_model] token embeddings (T5 does not scale them).</param>
    public override Tensor forward(Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        var h = embeddings;
        Tensor? bias = null;
        foreach (var b in block) (h, bias) = b.Forward(h, bias);
        return final_layer_norm.forward(h).MoveToOuterDisposeScope();
    }
}
