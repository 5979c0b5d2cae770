using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary>
/// diffusers' RMSNorm over the last dimension: x * rsqrt(mean(x^2) + eps) * weight, the mean taken in float32 and the
/// result cast to the weight's dtype when that is half precision (as diffusers does).
/// </summary>
public sealed class RmsNorm : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double _eps;

    public RmsNorm(long dim, double eps) : base(nameof(RmsNorm))
    {
        _eps = eps;
        weight = (Parameter)ones(dim).AsParameter().DetachFromDisposeScope();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var variance = x.to(ScalarType.Float32).pow(2).mean([-1L], keepdim: true);
        var h = x * rsqrt(variance + _eps);
        if (weight.dtype is ScalarType.Float16 or ScalarType.BFloat16) h = h.to(weight.dtype);
        return (h * weight).MoveToOuterDisposeScope();
    }
}
