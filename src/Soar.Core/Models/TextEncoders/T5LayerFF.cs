using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>transformers' T5LayerFF ("layer.1"): x + DenseReluDense(layer_norm(x)), the gated or plain feed-forward under one name.</summary>
public sealed class T5LayerFF : Module<Tensor, Tensor>
{
    private readonly Module<Tensor, Tensor> DenseReluDense;
    private readonly T5LayerNorm layer_norm;

    public T5LayerFF(T5Config config) : base(nameof(T5LayerFF))
    {
        DenseReluDense = config.IsGatedAct ? new T5DenseGatedActDense(config) : new T5DenseActDense(config);
        layer_norm = new T5LayerNorm(config.DModel, config.LayerNormEpsilon);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (x + DenseReluDense.forward(layer_norm.forward(x))).MoveToOuterDisposeScope();
    }
}
