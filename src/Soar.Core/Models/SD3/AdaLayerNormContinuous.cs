using Soar.Core.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary>
/// diffusers' AdaLayerNormContinuous with elementwise_affine = False, eps 1e-6 (norm_out, and norm1_context of the
/// last, context-pre-only block): linear(SiLU(temb)) chunked into scale then shift (this order, unlike the
/// original checkpoint's shift, scale), LayerNorm(x) * (1 + scale) + shift.
/// </summary>
public sealed class AdaLayerNormContinuous : Module<Tensor, Tensor, Tensor>
{
    private readonly LoraLinear linear;
    private readonly LayerNorm norm;

    public AdaLayerNormContinuous(int dim, int conditionDim) : base(nameof(AdaLayerNormContinuous))
    {
        linear = new LoraLinear(conditionDim, 2 * dim);
        norm = LayerNorm(dim, eps: 1e-6, elementwise_affine: false);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor temb)
    {
        using var scope = NewDisposeScope();
        var c = linear.forward(functional.silu(temb).to(x.dtype)).chunk(2, dim: 1);
        return AdaLayerNormZero.Modulate(norm.forward(x), shift: c[1], scale: c[0]).MoveToOuterDisposeScope();
    }
}
