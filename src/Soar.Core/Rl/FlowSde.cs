using static TorchSharp.torch;

namespace Soar.Core.Rl;

/// <summary>
/// Flow-GRPO's reverse-time SDE (docs/objectives.md, "Flow-GRPO"): the ODE dx = v ds becomes
/// dx = [v + g^2/(2s) (x + (1 - s) v)] ds + g dw with g = a sqrt(s / (1 - s)), which keeps the marginals of the
/// flow while making every step a Gaussian whose log-density the policy gradient needs. The one home of the step:
/// Flow-GRPO's rollouts and loss use it at a shared schedule point, SOAR's flow_sde rollout paths per sample.
/// </summary>
public static class FlowSde
{
    /// <summary>One step s -> s': x' ~ N(Mean, Std^2 I) with Std = g sqrt(-dt); g is the scale of the reference's KL.</summary>
    public sealed record Transition(Tensor Mean, double Std, double Diffusion);

    /// <summary>g(s) = a sqrt(s / (1 - s)); at s = 1 the next table sigma stands in the denominator so g stays finite.</summary>
    public static double Diffusion(double sigma, double sigmaMax, double noiseLevel) =>
        noiseLevel * Math.Sqrt(sigma / (1 - (sigma >= 1 ? sigmaMax : sigma)));

    /// <summary>g(s) for per-sample sigmas (any shape).</summary>
    public static Tensor Diffusion(Tensor sigma, double sigmaMax, double noiseLevel) =>
        (sigma / (1 - where(sigma.ge(1.0), full_like(sigma, sigmaMax), sigma))).sqrt() * noiseLevel;

    /// <summary>mu = x + [v + g^2/(2s) (x + (1 - s) v)] dt, grouped by x and v; sigma, dt and g broadcast against x.</summary>
    public static Tensor Mean(Tensor x, Tensor v, Tensor sigma, Tensor dt, Tensor g)
    {
        var g2 = g.square();
        return x * (1 + g2 / (2 * sigma) * dt) + v * ((1 + g2 * (1 - sigma) / (2 * sigma)) * dt);
    }

    /// <summary>The transition for the step s -> s' (s' &lt; s) shared by every sample of the batch.</summary>
    public static Transition Step(Tensor x, Tensor v, double sigma, double sigmaNext, double sigmaMax, double noiseLevel)
    {
        if (!(sigmaNext < sigma)) throw new ArgumentException($"an SDE step must lower sigma, got {sigma} -> {sigmaNext}");
        if (sigma <= 0) throw new ArgumentException($"an SDE step cannot start at sigma {sigma}");
        double dt = sigmaNext - sigma;
        double g = Diffusion(sigma, sigmaMax, noiseLevel);
        using var s = tensor(sigma, ScalarType.Float64);
        using var dtT = tensor(dt, ScalarType.Float64);
        using var gT = tensor(g, ScalarType.Float64);
        return new Transition(Mean(x, v, s, dtT, gT), g * Math.Sqrt(-dt), g);
    }

    /// <summary>A sampled step with per-sample sigmas [n, 1, 1, 1] (SOAR's stochastic rollout paths).</summary>
    public static Tensor Sample(Tensor x, Tensor v, Tensor sigma, Tensor sigmaNext, double sigmaMax, double noiseLevel, Tensor noise)
    {
        var dt = sigmaNext - sigma;
        var g = Diffusion(sigma, sigmaMax, noiseLevel);
        return Mean(x, v, sigma, dt, g) + g * (-dt).clamp_min(0).sqrt() * noise;
    }

    /// <summary>log N(next | mean, std^2 I), averaged over the elements of each sample (as the reference does): [B].</summary>
    public static Tensor LogProb(Tensor next, Tensor mean, double std)
    {
        var z = (next.detach() - mean) / std;
        var perElement = z.square() * -0.5 - (Math.Log(std) + 0.5 * Math.Log(2 * Math.PI));
        return perElement.flatten(1).mean([1L]);
    }

    /// <summary>
    /// flow_grpo's KL penalty: mean over elements of (mean - reference)^2 / (2 g^2), with g the diffusion coefficient
    /// (its std_dev_t) and not the step's std g sqrt(-dt): the exact Gaussian KL would be 1/|dt| times larger, and
    /// beta was tuned on this scale. [B].
    /// </summary>
    public static Tensor Kl(Tensor mean, Tensor referenceMean, double diffusion) =>
        (mean - referenceMean).square().flatten(1).mean([1L]) / (2 * diffusion * diffusion);

    /// <summary>Sigma at the first schedule step after s = 1, the stand-in for s in 1 - s at s = 1.</summary>
    public static double SigmaMax(IReadOnlyList<double> schedule) => schedule.Count > 1 ? schedule[1] : 0;
}
