using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>transformers' T5DenseGatedActDense (feed_forward_proj "gated-gelu", T5 v1.1): wo(act(wi_0(x)) * wi_1(x)), no biases.</summary>
public sealed class T5DenseGatedActDense : Module<Tensor, Tensor>
{
    private readonly Func<Tensor, Tensor> _act;
    private readonly Linear wi_0;
    private readonly Linear wi_1;
    private readonly Linear wo;

    public T5DenseGatedActDense(T5Config config) : base(nameof(T5DenseGatedActDense))
    {
        _act = TransformersActivation.Get(config.DenseActFn);
        wi_0 = Linear(config.DModel, config.DFf, hasBias: false);
        wi_1 = Linear(config.DModel, config.DFf, hasBias: false);
        wo = Linear(config.DFf, config.DModel, hasBias: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return wo.forward(_act(wi_0.forward(x)) * wi_1.forward(x)).MoveToOuterDisposeScope();
    }
}
