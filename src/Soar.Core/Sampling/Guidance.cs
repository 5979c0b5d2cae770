using Soar.Core.Flow;
using Soar.Core.Models;
using static TorchSharp.torch;

namespace Soar.Core.Sampling;

/// <summary>
/// Classifier-free guidance, the one place it is computed: the conditional and the unconditional (empty caption) rows
/// go through one batched forward and combine as v = v_u + w (v_c - v_u). A scale of 1 is the plain conditional model.
/// </summary>
public static class Guidance
{
    public static bool IsGuided(double scale) => scale != 1.0;

    /// <summary>The condition a guided <see cref="Velocity"/> call expects: [ids; empty] rows when guided, else ids.</summary>
    public static EncodedCaption Encode(VelocityModel model, Tensor ids, Tensor emptyIds, double scale)
    {
        if (!IsGuided(scale)) return model.EncodeCaption(ids);
        long b = ids.shape[0];
        var empty = emptyIds.shape[0] == b ? emptyIds : emptyIds.expand(b, emptyIds.shape[1]);
        return model.EncodeCaption(cat([ids, empty], dim: 0));
    }

    /// <summary>v_cfg at per-sample noise levels ([B]); <paramref name="caption"/> comes from <see cref="Encode"/>.</summary>
    /// <param name="detachUnconditional">stop the gradient through v_u, as flow_grpo's training log-probability does.</param>
    public static Tensor Velocity(VelocityModel model, Tensor x, Tensor sigma, EncodedCaption caption, double scale, bool detachUnconditional = false)
    {
        // Under bf16 autocast the model answers in bf16; the guidance sum and every update built on it stay fp32.
        if (!IsGuided(scale)) return model.Velocity(x, sigma, caption).to(ScalarType.Float32);
        long b = x.shape[0];
        var v = model.Velocity(cat([x, x], dim: 0), cat([sigma, sigma], dim: 0), caption).to(ScalarType.Float32);
        var parts = v.split(b, dim: 0);
        return RectifiedFlow.Guide(parts[0], detachUnconditional ? parts[1].detach() : parts[1], scale);
    }

    /// <summary>v_cfg with every sample at the same noise level (a sampler's schedule point).</summary>
    public static Tensor Velocity(VelocityModel model, Tensor x, double sigma, EncodedCaption caption, double scale, bool detachUnconditional = false) =>
        Velocity(model, x, full(x.shape[0], sigma, dtype: ScalarType.Float32, device: x.device), caption, scale, detachUnconditional);
}
