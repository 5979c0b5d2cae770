using Soar.Core.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary>The modulated input and the four remaining modulation vectors of <see cref="AdaLayerNormZero"/>.</summary>
public sealed record ZeroModulation(Tensor Normed, Tensor GateMsa, Tensor ShiftMlp, Tensor ScaleMlp, Tensor GateMlp);

/// <summary>
/// diffusers' AdaLayerNormZero: linear(SiLU(temb)) chunked into shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp,
/// gate_mlp (that order); returns LayerNorm(x) (eps 1e-6, no affine) * (1 + scale_msa) + shift_msa with the rest.
/// </summary>
public sealed class AdaLayerNormZero : Module<Tensor, Tensor, ZeroModulation>
{
    private readonly LoraLinear linear;
    private readonly LayerNorm norm;

    public AdaLayerNormZero(int dim) : base(nameof(AdaLayerNormZero))
    {
        linear = new LoraLinear(dim, 6 * dim);
        norm = LayerNorm(dim, eps: 1e-6, elementwise_affine: false);
        RegisterComponents();
    }

    /// <param name="x">[B, L, D] tokens.</param>
    /// <param name="temb">[B, D] timestep + pooled text embedding.</param>
    public override ZeroModulation forward(Tensor x, Tensor temb)
    {
        var c = linear.forward(functional.silu(temb)).chunk(6, dim: 1);
        var normed = Modulate(norm.forward(x), c[0], c[1]);
        return new ZeroModulation(normed, c[2], c[3], c[4], c[5]);
    }

    /// <summary>x * (1 + scale) + shift with [B, D] scale and shift broadcast over the tokens.</summary>
    internal static Tensor Modulate(Tensor x, Tensor shift, Tensor scale) => x * (scale.unsqueeze(1) + 1) + shift.unsqueeze(1);
}
