using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>transformers' T5DenseActDense (feed_forward_proj "relu"): wo(act(wi(x))), no biases.</summary>
public sealed class T5DenseActDense : Module<Tensor, Tensor>
{
    private readonly Func<Tensor, Tensor> _act;
    private readonly Linear wi;
    private readonly Linear wo;

    public T5DenseActDense(T5Config config) : base(nameof(T5DenseActDense))
    {
        _act = TransformersActivation.Get(config.DenseActFn);
        wi = Linear(config.DModel, config.DFf, hasBias: false);
        wo = Linear(config.DFf, config.DModel, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return wo.forward(_act(wi.forward(x))).MoveToOuterDisposeScope();
    }
}
