using static TorchSharp.torch;

namespace Soar.Core.Rl;

/// <summary>
/// PPO's clipped surrogate as Flow-GRPO uses it: per sample max(-A r, -A clip(r, 1 - e, 1 + e)), r = exp(logp - logp_old).
/// Once r leaves the trust region in the direction the advantage favours, the clipped branch wins and the gradient is zero.
/// </summary>
public static class ClippedObjective
{
    public static Tensor Loss(Tensor advantages, Tensor ratio, double clipRange)
    {
        var unclipped = -advantages * ratio;
        var clipped = -advantages * ratio.clamp(1 - clipRange, 1 + clipRange);
        return maximum(unclipped, clipped);
    }

    /// <summary>Share of samples whose ratio left [1 - e, 1 + e].</summary>
    public static Tensor ClipFraction(Tensor ratio, double clipRange) =>
        (ratio.detach() - 1).abs().gt(clipRange).to(ScalarType.Float32).mean();
}
