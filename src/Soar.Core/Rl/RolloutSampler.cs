using Soar.Core.Models;
using Soar.Core.Sampling;
using static TorchSharp.torch;

namespace Soar.Core.Rl;

/// <summary>
/// Draws a whole batch of Flow-GRPO rollouts at once: T SDE steps with classifier-free guidance, one batched
/// forward of 2B rows (cond + uncond) per step, recording every state and the log-probability of every transition.
/// </summary>
public static class RolloutSampler
{
    /// <param name="noise">[B, C, H, W] starting noise x at s = 1.</param>
    /// <param name="ids">[B, L] caption ids; <paramref name="emptyIds"/> the [1, L] empty caption.</param>
    /// <param name="generator">source of the per-step Gaussian noise (CPU generator; draws are moved to the model's device).</param>
    public static Rollout Sample(VelocityModel model, Tensor noise, Tensor ids, Tensor emptyIds, double[] schedule, double cfgScale,
        double noiseLevel, Generator generator, CancellationToken cancellationToken = default)
    {
        using var inference = inference_mode();
        int steps = schedule.Length - 1;
        double sigmaMax = FlowSde.SigmaMax(schedule);
        using var outer = NewDisposeScope();
        var caption = Guidance.Encode(model, ids, emptyIds, cfgScale);
        var states = new List<Tensor> { noise.detach().clone() };
        var logProbs = new List<Tensor>();
        for (int i = 0; i < steps; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var stepScope = NewDisposeScope();
            var x = states[i];
            var v = Guidance.Velocity(model, x, schedule[i], caption, cfgScale);
            var (mean, std, _) = FlowSde.Step(x, v, schedule[i], schedule[i + 1], sigmaMax, noiseLevel);
            var next = mean + randn(x.shape, generator: generator).to(x.device) * std;
            logProbs.Add(FlowSde.LogProb(next, mean, std).MoveToOuterDisposeScope());
            states.Add(next.MoveToOuterDisposeScope());
        }
        var result = new Rollout(stack(states, 0), stack(logProbs, 1), schedule);
        result.States.MoveToOuterDisposeScope();
        result.LogProbs.MoveToOuterDisposeScope();
        return result;
    }
}
