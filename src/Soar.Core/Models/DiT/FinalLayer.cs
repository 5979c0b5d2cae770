using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.DiT;

/// <summary>adaLN-modulated projection from tokens to patch pixels; zero-initialised so the model starts at v = 0.</summary>
public sealed class FinalLayer : Module<Tensor, Tensor, Tensor>
{
    private readonly LayerNorm norm_final;
    private readonly Linear linear;
    private readonly Linear adaLN_modulation;

    public FinalLayer(int dim, int patchSize, int channels) : base(nameof(FinalLayer))
    {
        norm_final = LayerNorm(dim, eps: 1e-6, elementwise_affine: false);
        linear = Linear(dim, patchSize * patchSize * channels);
        adaLN_modulation = Linear(dim, 2 * dim);
        RegisterComponents();
        using (no_grad())
        {
            linear.weight!.zero_();
            linear.bias!.zero_();
            adaLN_modulation.weight!.zero_();
            adaLN_modulation.bias!.zero_();
        }
    }

    public override Tensor forward(Tensor x, Tensor c)
    {
        using var scope = NewDisposeScope();
        var mod = adaLN_modulation.forward(functional.silu(c)).unsqueeze(1).chunk(2, dim: 2);
        var h = DiTBlock.Modulate(norm_final.forward(x), mod[0], mod[1]);
        return linear.forward(h).MoveToOuterDisposeScope();
    }
}
