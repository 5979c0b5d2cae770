using Soar.Core.Eval.Distance;
using Soar.Core.Training;
using Soar.Core.Worlds;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Eval;

public class FrechetDistanceTests
{
    [Fact]
    public void Identical_sets_are_at_distance_zero()
    {
        var rng = new SplitMix64(3);
        var rows = Enumerable.Range(0, 50).Select(_ => Enumerable.Range(0, 6).Select(_ => rng.NextDouble()).ToArray()).ToArray();
        Assert.Equal(0, FrechetDistance.Compute(rows, rows), 9);
    }

    [Fact]
    public void One_dimensional_gaussians_follow_the_closed_form()
    {
        // d^2 = (m1 - m2)^2 + (s1 - s2)^2 for 1-D Gaussians with standard deviations s1, s2.
        double d = FrechetDistance.FromMoments([1.0], new double[,] { { 4.0 } }, [3.0], new double[,] { { 9.0 } });
        Assert.Equal(4 + 1, d, 12);
        // From samples: {0, 2} has mean 1, variance 2; {5, 7, 9} has mean 7, variance 4.
        double s = FrechetDistance.Compute([[0.0], [2.0]], [[5.0], [7.0], [9.0]]);
        Assert.Equal(36 + Math.Pow(Math.Sqrt(2) - 2, 2), s, 12);
    }

    [Fact]
    public void Diagonal_covariances_add_up_per_dimension()
    {
        var s1 = new double[,] { { 1, 0, 0 }, { 0, 4, 0 }, { 0, 0, 9 } };
        var s2 = new double[,] { { 4, 0, 0 }, { 0, 4, 0 }, { 0, 0, 1 } };
        double d = FrechetDistance.FromMoments([0, 0, 0], s1, [1, 0, -1], s2);
        Assert.Equal(2 + (1 + 0 + 4), d, 10); // mean 1 + 1; per-dim (sqrt a - sqrt b)^2 = 1, 0, 4
    }

    [Fact]
    public void Rotated_covariances_match_a_hand_computed_square_root()
    {
        // S = R diag(4, 1) R^T for a 30 degree rotation; sqrt(S) = R diag(2, 1) R^T, so sqrt(S)^2 must give S back.
        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        var m = new double[,] { { 4 * c * c + s * s, 3 * c * s }, { 3 * c * s, 4 * s * s + c * c } };
        var root = FrechetDistance.SquareRoot(m);
        Assert.Equal(2 * c * c + s * s, root[0, 0], 10);
        Assert.Equal(c * s, root[0, 1], 10);
        var (values, _) = SymmetricEigen.Decompose(m);
        Assert.Equal([1.0, 4.0], values.Order().ToArray(), new Tolerance(1e-10));
        // Same Gaussian rotated against itself: distance 0; against diag(4, 1): tr terms differ.
        Assert.Equal(0, FrechetDistance.FromMoments([0, 0], m, [0, 0], m), 9);
    }

    [Fact]
    public void Learned_features_separate_real_images_from_blank_ones()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var world = new ShapesWorld();
        var samples = world.Sample(1, 192, 32).ToList();
        using var space = FeatureSpace.Train(samples.Select(s => s.Image).ToList(), samples.Select(s => s.Caption).ToList(), seed: 5, CPU, steps: 30, batchSize: 32);
        var realA = space.Extract(samples.Take(96).Select(s => s.Image).ToList());
        var realB = space.Extract(world.Sample(2, 96, 32).Select(s => s.Image).ToList());
        var blank = space.Extract(Enumerable.Range(0, 96).Select(_ => new Soar.Core.Imaging.RgbImage(32, 32)).ToList());
        double same = FrechetDistance.Compute(realA, realB), different = FrechetDistance.Compute(realA, blank);
        Assert.True(different > 3 * same, $"real vs real {same:F3}, real vs blank {different:F3}");
        Console.WriteLine($"feature network: 30 steps + extraction in {clock.Elapsed.TotalSeconds:F1} s");
        // Seeded: a second training gives the same features.
        using var again = FeatureSpace.Train(samples.Select(s => s.Image).ToList(), samples.Select(s => s.Caption).ToList(), seed: 5, CPU, steps: 30, batchSize: 32);
        Assert.Equal(realA[0], again.Extract(samples.Take(96).Select(s => s.Image).ToList())[0]);
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double x) => 0;
    }
}
