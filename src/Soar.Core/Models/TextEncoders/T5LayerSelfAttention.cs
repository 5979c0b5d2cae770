using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>transformers' T5LayerSelfAttention ("layer.0"): x + SelfAttention(layer_norm(x)).</summary>
public sealed class T5LayerSelfAttention : Module
{
    private readonly T5Attention SelfAttention;
    private readonly T5LayerNorm layer_norm;

    public T5LayerSelfAttention(T5Config config, bool hasRelativeAttentionBias) : base(nameof(T5LayerSelfAttention))
    {
        SelfAttention = new T5Attention(config, hasRelativeAttentionBias);
        layer_norm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon);
        RegisterComponents();
    }

    public (Tensor Output, Tensor PositionBias) Forward(Tensor x, Tensor? positionBias)
    {
        using var scope = NewDisposeScope();
        var (attended, bias) = SelfAttention.Forward(layer_norm.forward(x), positionBias);
        var output = (x + attended).MoveToOuterDisposeScope();
        return (output, positionBias is null ? bias.MoveToOuterDisposeScope() : bias);
    }
}
