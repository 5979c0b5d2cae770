using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models;

/// <summary>Two-layer MLP with tanh-approximated GELU, as in DiT.</summary>
public sealed class FeedForward : Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly Linear fc2;

    public FeedForward(int dim, int hidden) : base(nameof(FeedForward))
    {
        fc1 = Linear(dim, hidden);
        fc2 = Linear(hidden, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = fc1.forward(x);
        using var a = functional.gelu(h, TorchSharp.Modules.GELU.Approximate.tanh);
        return fc2.forward(a);
    }
}
