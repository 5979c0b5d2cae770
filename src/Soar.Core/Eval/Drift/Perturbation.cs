using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Eval.Drift;

/// <summary>A fixed-norm random perturbation: Gaussian direction scaled so its per-element RMS is exactly the norm.</summary>
public static class Perturbation
{
    public static float[] Draw(long seed, long index, int elements, double rms)
    {
        using var g = new Generator(SplitMix64.Derive(seed, "eval-drift", index), CPU);
        using var n = randn(elements, generator: g);
        using var scaled = n * (rms * Math.Sqrt(elements) / n.norm().item<float>());
        return scaled.data<float>().ToArray();
    }
}
