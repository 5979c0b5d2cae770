using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models;

/// <summary>
/// The model seam: a text-conditioned velocity model f(x, s, c) of rectified flow. Objectives, samplers, the trainer,
/// EMA, checkpoints, eval and packages see only this; each architecture (<see cref="ModelRegistry"/>) derives from it.
/// The condition is encoded once (<see cref="EncodeCaption"/>) and reused by CFG and multi-point objectives; an
/// architecture fed by external text encoders produces the same <see cref="EncodedCaption"/> from their embeddings.
/// </summary>
public abstract class VelocityModel : Module<Tensor, Tensor, Tensor, Tensor>
{
    protected VelocityModel(string name) : base(name) { }

    public abstract ModelConfig Config { get; }

    /// <summary>[B, L] caption token ids -> the condition every <see cref="Velocity"/> call of those rows reuses.</summary>
    public abstract EncodedCaption EncodeCaption(Tensor ids);

    /// <summary>The velocity for [B, C, H, W] states at [B] noise levels s in [0, 1] and an encoded caption of B rows.</summary>
    public abstract Tensor Velocity(Tensor x, Tensor sigma, EncodedCaption caption);

    /// <param name="x">[B, C, H, W] noisy images.</param>
    /// <param name="sigma">[B] noise levels s in [0, 1].</param>
    /// <param name="ids">[B, L] caption token ids.</param>
    public override Tensor forward(Tensor x, Tensor sigma, Tensor ids)
    {
        using var scope = NewDisposeScope();
        return Velocity(x, sigma, EncodeCaption(ids)).MoveToOuterDisposeScope();
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>
    /// Recompute each block's activations in the backward pass instead of keeping them (<see cref="BlockCheckpoint"/>):
    /// the GradientCheckpointing parameter of the training stages. The same gradients, for less memory and a second forward.
    /// </summary>
    public virtual bool GradientCheckpointing { get; set; }
}
