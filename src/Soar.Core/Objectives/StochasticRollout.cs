using static TorchSharp.torch;

namespace Soar.Core.Objectives;

/// <summary>
/// The stochastic one-step rollouts SOAR's extra paths may take from z at s0 to s1 (s1 &lt; s0), given the
/// guided velocity v. Per-sample sigmas are [n, 1, 1, 1]; noise comes from the step's generator.
/// </summary>
public static class StochasticRollout
{
    public static Tensor Step(string type, Tensor z, Tensor v, Tensor s0, Tensor s1, double noiseScale, double sigmaMax, Generator generator)
    {
        var dt = s1 - s0;
        Tensor Noise() => randn(z.shape, generator: generator).to(z.device);
        switch (type)
        {
            case "simple":
                // Euler-Maruyama with additive noise.
                return z + v * dt + Noise() * dt.abs().sqrt() * noiseScale;
            case "sde":
                // Re-noise the predicted clean image to s1 with fresh noise.
                return (1 - s1) * (z - s0 * v) + s1 * Noise();
            case "flow_sde":
                // Flow-GRPO's reverse SDE; at s = 1 the next table sigma keeps 1 - s away from 0.
                return Rl.FlowSde.Sample(z, v, s0, s1, sigmaMax, noiseScale, Noise());
            case "cps":
            {
                // Coefficients-preserving sampling: keeps the signal and noise coefficients of the forward path.
                double sinScale = Math.Sin(noiseScale * Math.PI / 2);
                var std = s1 * sinScale;
                var x0Hat = z - s0 * v;
                var noiseHat = z + v * (1 - s0);
                var mean = x0Hat * (1 - s1) + noiseHat * (s1.square() - std.square()).clamp_min(0).sqrt();
                return mean + std * Noise();
            }
            default:
                throw new ArgumentException($"unknown rollout type '{type}'", nameof(type));
        }
    }
}
