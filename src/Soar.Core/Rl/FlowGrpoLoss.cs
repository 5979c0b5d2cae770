using Soar.Core.Models;
using Soar.Core.Sampling;
using static TorchSharp.torch;

namespace Soar.Core.Rl;

/// <summary>
/// Flow-GRPO's loss at one schedule step s_j -> s_{j+1} for a mini-batch of recorded transitions (docs/objectives.md, "Flow-GRPO"):
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
        var caption = Guidance.Encode(policy, ids, emptyIds, options.Cfg);
        // The gradient flows through the conditional prediction only, as the reference's training log-prob does.
        var v = Guidance.Velocity(policy, x, sigma, caption, options.Cfg, detachUnconditional: true);
        var (mean, std, diffusion) = FlowSde.Step(x, v, sigma, sigmaNext, sigmaMax, options.NoiseLevel);
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
                var vRef = Guidance.Velocity(reference, x, sigma, referenceCaption, options.Cfg);
                referenceMean = FlowSde.Step(x, vRef, sigma, sigmaNext, sigmaMax, options.NoiseLevel).Mean;
            }
            var klTerm = FlowSde.Kl(mean, referenceMean, diffusion).mean();
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
}
