using static TorchSharp.torch;

namespace Soar.Core.Rl;

/// <summary>
/// Flow-GRPO's reverse-time SDE (METHODS.md section 4): the ODE dx = v ds becomes
/// dx = [v + g^2/(2s) (x + (1 - s) v)] ds + g dw with g = a sqrt(s / (1 - s)), which keeps the marginals of the
/// flow while making every step a Gaussian whose log-density the policy gradient needs.
/// Every sample of a batch sits at the same schedule point, so sigmas are scalars.
/// </summary>
public static class FlowSde
{
    /// <summary>g(s) = a sqrt(s / (1 - s)); at s = 1 the next table sigma stands in the denominator so g stays finite.</summary>
    public static double Diffusion(double sigma, double sigmaMax, double noiseLevel) =>
        noiseLevel * Math.Sqrt(sigma / (1 - (sigma >= 1 ? sigmaMax : sigma)));

    /// <summary>Mean and standard deviation of x' given x for the step s -> s' (s' &lt; s).</summary>
    public static (Tensor Mean, double Std) Step(Tensor x, Tensor v, double sigma, double sigmaNext, double sigmaMax, double noiseLevel)
    {
        if (!(sigmaNext < sigma)) throw new ArgumentException($"an SDE step must lower sigma, got {sigma} -> {sigmaNext}");
        if (sigma <= 0) throw new ArgumentException($"an SDE step cannot start at sigma {sigma}");
        double dt = sigmaNext - sigma;
        double g = Diffusion(sigma, sigmaMax, noiseLevel);
        double g2 = g * g;
        // mu = x + [v + g^2/(2s) (x + (1 - s) v)] dt, grouped by x and v.
        var mean = x * (1 + g2 / (2 * sigma) * dt) + v * ((1 + g2 * (1 - sigma) / (2 * sigma)) * dt);
        return (mean, g * Math.Sqrt(-dt));
    }

    /// <summary>log N(next | mean, std^2 I), averaged over the elements of each sample (as the reference does): [B].</summary>
    public static Tensor LogProb(Tensor next, Tensor mean, double std)
    {
        var z = (next.detach() - mean) / std;
        var perElement = z.square() * -0.5 - (Math.Log(std) + 0.5 * Math.Log(2 * Math.PI));
        return perElement.flatten(1).mean([1L]);
    }

    /// <summary>KL between two Gaussians of equal std: ||mean - reference||^2 / (2 std^2), averaged over elements: [B].</summary>
    public static Tensor Kl(Tensor mean, Tensor referenceMean, double std) =>
        (mean - referenceMean).square().flatten(1).mean([1L]) / (2 * std * std);

    /// <summary>Sigma at the first schedule step after s = 1, the stand-in for s in 1 - s at s = 1.</summary>
    public static double SigmaMax(IReadOnlyList<double> schedule) => schedule.Count > 1 ? schedule[1] : 0;
}
