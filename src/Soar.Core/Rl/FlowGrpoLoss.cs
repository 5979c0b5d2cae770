using Soar.Core.Flow;
using Soar.Core.Models;
using Soar.Core.Sampling;
using static TorchSharp.torch;

namespace Soar.Core.Rl;

/// <summary>
/// Flow-GRPO's loss at one schedule step s_j -> s_{j+1} for a mini-batch of recorded transitions (METHODS.md section 4):
/// mean(max(-A r, -A clip(r, 1 - e, 1 + e))) + beta * KL(policy || reference), with r = exp(logp - logp_old) and
/// both means taken under CFG.
/// </summary>
public static class FlowGrpoLoss
{
    /// <param name="x">[B, C, H, W] state at s_j; <paramref name="next"/> the recorded state at s_{j+1}.</param>
    /// <param name="referenceCaption">the reference model's encoding of [ids; empty] ([ids] without CFG); null when beta = 0.</param>
    public static TransitionLoss Compute(VelocityModel policy, VelocityModel? reference, EncodedCaption? referenceCaption,
        Tensor x, Tensor next, Tensor oldLogProb, Tensor advantages, Tensor ids, Tensor emptyIds,
        double sigma, double sigmaNext, double sigmaMax, FlowGrpoOptions options)
    {
        long b = x.shape[0];
        var empty = emptyIds.shape[0] == b ? emptyIds : emptyIds.expand(b, emptyIds.shape[1]);
        bool guided = options.Cfg != 1.0;
        var caption = policy.EncodeCaption(guided ? cat([ids, empty], dim: 0) : ids);
        var v = guided
            ? GuidedTrainingVelocity(policy, x, sigma, caption, options.Cfg)
            : policy.Velocity(x, full(b, sigma, dtype: ScalarType.Float32, device: x.device), caption);
        var (mean, std) = FlowSde.Step(x, v, sigma, sigmaNext, sigmaMax, options.NoiseLevel);
        var logProb = FlowSde.LogProb(next, mean, std);
        var advantage = advantages.clamp(-options.AdvantageClip, options.AdvantageClip);
        var ratio = exp(logProb - oldLogProb);
        var policyLoss = ClippedObjective.Loss(advantage, ratio, options.ClipRange).mean();
        var loss = policyLoss;
        double kl = 0;
        if (options.Beta > 0 && reference is not null && referenceCaption is not null)
        {
            Tensor referenceMean;
            using (no_grad())
            {
                var vRef = EulerSampler.GuidedVelocity(reference, x, sigma, referenceCaption, options.Cfg != 1.0, options.Cfg);
                referenceMean = FlowSde.Step(x, vRef, sigma, sigmaNext, sigmaMax, options.NoiseLevel).Mean;
            }
            var klTerm = FlowSde.Kl(mean, referenceMean, std).mean();
            loss = policyLoss + klTerm * options.Beta;
            kl = klTerm.item<float>();
        }
        var logDiff = (logProb - oldLogProb).detach();
        return new TransitionLoss(loss, policyLoss.item<float>(), kl,
            ClippedObjective.ClipFraction(ratio, options.ClipRange).item<float>(),
            (logDiff.square().mean() * 0.5).item<float>(),
            // Monte-Carlo entropy estimate: -E[log p] over the taken transitions, in nats per element.
            -logProb.detach().mean().item<float>());
    }

    /// <summary>
    /// v_u + w (v_c - v_u) with the unconditional branch detached, as the reference's training log-prob does:
    /// the gradient flows through the conditional prediction only.
    /// </summary>
    public static Tensor GuidedTrainingVelocity(VelocityModel model, Tensor x, double sigma, EncodedCaption caption, double cfgScale)
    {
        long b = x.shape[0];
        var s = full(2 * b, sigma, dtype: ScalarType.Float32, device: x.device);
        var v = model.Velocity(cat([x, x], dim: 0), s, caption);
        var parts = v.split(b, dim: 0);
        return RectifiedFlow.Guide(parts[0], parts[1].detach(), cfgScale);
    }
}
