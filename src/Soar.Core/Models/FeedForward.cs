using Soar.Core.Models.Lora;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models;

/// <summary>Two-layer MLP with tanh-approximated GELU, as in DiT.</summary>
public sealed class FeedForward : Module<Tensor, Tensor>
{
    // LoraLinear (torch Linear's parameters and initialisation) so LoRA adapters can target mlp.fc1 / mlp.fc2.
    private readonly LoraLinear fc1;
    private readonly LoraLinear fc2;

    public FeedForward(int dim, int hidden) : base(nameof(FeedForward))
    {
        fc1 = new LoraLinear(dim, hidden);
        fc2 = new LoraLinear(hidden, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var h = fc1.forward(x);
        using var a = functional.gelu(h, TorchSharp.Modules.GELU.Approximate.tanh);
        return fc2.forward(a);
    }
}
