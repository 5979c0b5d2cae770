using System.Diagnostics;
using static TorchSharp.torch;

namespace Soar.Bench;

/// <summary>
/// The CPU's matrix-multiply speed as this process sees it: a float32 (or bf16) n x n matmul (2 n^3 FLOPs) at the current
/// libtorch thread count, warm-up calls first, then the median of the timed calls. The denominator of the
/// training FLOP shares, so measure it in the same process and with the same threads as the training steps.
/// </summary>
public sealed record MatmulPeak(int Size, int Threads, double GflopPerSecond, double[] Seconds)
{
    public static MatmulPeak Measure(int n = 2048, int warmup = 3, int timed = 5, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        // Its own generator, so the global seed the benchmarks set stays untouched.
        using var generator = new Generator(7, CPU);
        var a = randn([n, n], generator: generator).to(dtype);
        var b = randn([n, n], generator: generator).to(dtype);
        for (int i = 0; i < warmup; i++) matmul(a, b).Dispose();
        var seconds = new double[timed];
        for (int i = 0; i < timed; i++)
        {
            var clock = Stopwatch.StartNew();
            using var product = matmul(a, b);
            seconds[i] = clock.Elapsed.TotalSeconds;
        }
        double median = Stats.Median(seconds);
        return new MatmulPeak(n, get_num_threads(), 2.0 * n * n * n / median / 1e9, seconds);
    }
}
