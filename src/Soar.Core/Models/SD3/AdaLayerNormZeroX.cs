using Soar.Core.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary><see cref="ZeroModulation"/> plus the second attention's modulated input and gate (MMDiT-X).</summary>
public sealed record ZeroXModulation(ZeroModulation First, Tensor Normed2, Tensor GateMsa2);

/// <summary>
/// diffusers' SD35AdaLayerNormZeroX (SD3.5's dual-attention blocks): nine chunks shift_msa, scale_msa, gate_msa,
/// shift_mlp, scale_mlp, gate_mlp, shift_msa2, scale_msa2, gate_msa2; both attention inputs modulate the same
/// LayerNorm(x) (eps 1e-6, no affine).
/// </summary>
public sealed class AdaLayerNormZeroX : Module<Tensor, Tensor, ZeroXModulation>
{
    private readonly LoraLinear linear;
    private readonly LayerNorm norm;

    public AdaLayerNormZeroX(int dim) : base(nameof(AdaLayerNormZeroX))
    {
        linear = new LoraLinear(dim, 9 * dim);
        norm = LayerNorm(dim, eps: 1e-6, elementwise_affine: false);
        RegisterComponents();
    }

    public override ZeroXModulation forward(Tensor x, Tensor temb)
    {
        var c = linear.forward(functional.silu(temb)).chunk(9, dim: 1);
        var normed = norm.forward(x);
        var first = new ZeroModulation(AdaLayerNormZero.Modulate(normed, c[0], c[1]), c[2], c[3], c[4], c[5]);
        return new ZeroXModulation(first, AdaLayerNormZero.Modulate(normed, c[6], c[7]), c[8]);
    }
}
