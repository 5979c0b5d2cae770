using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>transformers' CLIPMLP: fc1, the config's hidden_act, fc2.</summary>
public sealed class ClipMlp : Module<Tensor, Tensor>
{
    private readonly Func<Tensor, Tensor> _act;
    private readonly Linear fc1;
    private readonly Linear fc2;

    public ClipMlp(int width, int intermediate, string act) : base(nameof(ClipMlp))
    {
        _act = TransformersActivation.Get(act);
        fc1 = Linear(width, intermediate);
        fc2 = Linear(intermediate, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(_act(fc1.forward(x))).MoveToOuterDisposeScope();
    }
}
