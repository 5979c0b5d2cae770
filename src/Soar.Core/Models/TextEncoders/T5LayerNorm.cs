using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// transformers' T5LayerNorm (RMS norm): weight * x / sqrt(mean(x^2) + eps) over the last axis, no mean subtracted, no
/// bias, the mean of squares taken in float32 whatever the input's dtype.
/// </summary>
public sealed class T5LayerNorm : Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly double _eps;

    public T5LayerNorm(long width, double eps) : base(nameof(T5LayerNorm))
    {
        _eps = eps;
        weight = Parameter(ones(width));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var variance = x.to(ScalarType.Float32).pow(2).mean([-1], keepdim: true);
        var normed = x * rsqrt(variance + _eps);
        if (weight.dtype is ScalarType.Float16 or ScalarType.BFloat16) normed = normed.to(weight.dtype);
        return (weight * normed).MoveToOuterDisposeScope();
    }
}
