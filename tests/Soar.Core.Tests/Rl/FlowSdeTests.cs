using Soar.Core.Rl;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Rl;

public class FlowSdeTests
{
    private static double[] Values(Tensor t) => t.detach().to(ScalarType.Float64).flatten().data<double>().ToArray();

    [Fact]
    public void Log_prob_of_a_sampled_step_matches_the_gaussian_density_computed_by_hand()
    {
        const double s = 0.7, sNext = 0.55, sigmaMax = 0.9, a = 0.7;
        using var g = new Generator(5, CPU);
        using var x = randn([2, 3, 4, 4], generator: g);
        using var v = randn([2, 3, 4, 4], generator: g);
        var (mean, std, _) = FlowSde.Step(x, v, s, sNext, sigmaMax, a);
        using var next = mean + randn([2, 3, 4, 4], generator: g) * std;
        var logProb = Values(FlowSde.LogProb(next, mean, std));

        // By hand, from the SDE as written in docs/objectives.md: mu = x + [v + g^2/(2s) (x + (1 - s) v)] dt, sd = g sqrt(-dt).
        double diffusion = a * Math.Sqrt(s / (1 - s)), dt = sNext - s, sd = diffusion * Math.Sqrt(-dt);
        Assert.Equal(sd, std, 12);
        double[] xs = Values(x), vs = Values(v), ns = Values(next);
        for (int sample = 0; sample < 2; sample++)
        {
            double sum = 0;
            int n = 48;
            for (int e = sample * n; e < (sample + 1) * n; e++)
            {
                double mu = xs[e] + (vs[e] + diffusion * diffusion / (2 * s) * (xs[e] + (1 - s) * vs[e])) * dt;
                double density = Math.Exp(-(ns[e] - mu) * (ns[e] - mu) / (2 * sd * sd)) / (sd * Math.Sqrt(2 * Math.PI));
                sum += Math.Log(density);
            }
            Assert.Equal(sum / n, logProb[sample], 4);
        }
    }

    [Fact]
    public void At_sigma_one_the_next_table_sigma_keeps_the_diffusion_finite()
    {
        Assert.Equal(0.7 * Math.Sqrt(1 / (1 - 0.9)), FlowSde.Diffusion(1.0, 0.9, 0.7), 12);
        Assert.Equal(0.7 * Math.Sqrt(0.5 / 0.5), FlowSde.Diffusion(0.5, 0.9, 0.7), 12);
    }

    [Fact]
    public void With_the_exact_velocity_the_sde_keeps_the_flow_marginals()
    {
        // Data = a point mass at x0: the marginal at s is N((1 - s) x0, s^2) and the exact velocity is (x - x0) / s.
        // A wrong sign or factor in the g^2/(2s) correction would widen or narrow the marginal.
        const double x0 = 0.5;
        var schedule = Enumerable.Range(0, 201).Select(i => 1.0 - i / 200.0).ToArray();
        using var g = new Generator(3, CPU);
        var x = randn([20000], generator: g, dtype: ScalarType.Float64);
        for (int i = 0; i < 100; i++)
        {
            using var v = (x - x0) / schedule[i];
            var (mean, std, _) = FlowSde.Step(x, v, schedule[i], schedule[i + 1], schedule[1], 0.7);
            var next = mean + randn([20000], generator: g, dtype: ScalarType.Float64) * std;
            x.Dispose();
            mean.Dispose();
            x = next;
        }
        // Now at s = 0.5: mean 0.25, std 0.5.
        Assert.Equal(0.25, x.mean().item<double>(), 0.01);
        Assert.InRange(x.std().item<double>(), 0.475, 0.525);
        x.Dispose();
    }

    [Fact]
    public void Kl_is_zero_against_itself_and_divides_by_two_g_squared()
    {
        using var m = tensor(new double[] { 1, 2, 3, 4 }).view(1, 4);
        using var r = tensor(new double[] { 1, 2.5, 3, 3 }).view(1, 4);
        Assert.Equal(0.0, FlowSde.Kl(m, m, 0.3).item<double>());
        // ((0.5)^2 + 1^2) / 4 / (2 * 0.3^2)
        Assert.Equal(1.25 / 4 / 0.18, FlowSde.Kl(m, r, 0.3).item<double>(), 12);
    }

    [Fact]
    public void Flow_grpo_kl_uses_the_official_scale_not_the_step_variance()
    {
        // flow_grpo train_sd3.py: kl = mean((mu - mu_ref)^2) / (2 * std_dev_t^2), std_dev_t = a sqrt(s / (1 - s)).
        // s = 0.5 -> 0.4, a = 0.7: std_dev_t = 0.7, so with squared differences 1 and 0.25, kl = 0.625 / 0.98.
        // (Dividing by the step variance 0.49 * 0.1 instead would give ten times that.)
        using var x = tensor(new double[] { 0, 0 }).view(1, 2);
        using var v = tensor(new double[] { 0, 0 }).view(1, 2);
        var step = FlowSde.Step(x, v, 0.5, 0.4, 0.9, 0.7);
        Assert.Equal(0.7, step.Diffusion, 12);
        Assert.Equal(0.7 * Math.Sqrt(0.1), step.Std, 12);
        using var policy = tensor(new double[] { 1, 0.5 }).view(1, 2);
        using var reference = zeros(1, 2, dtype: ScalarType.Float64);
        Assert.Equal(0.6377551020408163, FlowSde.Kl(policy, reference, step.Diffusion).item<double>(), 12);
    }

    [Fact]
    public void Per_sample_steps_match_the_shared_step_for_each_sample()
    {
        // SOAR's flow_sde rollout path and Flow-GRPO's step are one formula: per-sample sigmas give each sample's step.
        using var g = new Generator(9, CPU);
        using var x = randn([2, 1, 2, 2], generator: g, dtype: ScalarType.Float64);
        using var v = randn([2, 1, 2, 2], generator: g, dtype: ScalarType.Float64);
        using var noise = randn([2, 1, 2, 2], generator: g, dtype: ScalarType.Float64);
        using var s = tensor(new double[] { 1.0, 0.6 }).view(2, 1, 1, 1);
        using var sNext = tensor(new double[] { 0.8, 0.3 }).view(2, 1, 1, 1);
        using var sampled = FlowSde.Sample(x, v, s, sNext, 0.9, 0.5, noise);
        var pairs = new[] { (1.0, 0.8), (0.6, 0.3) };
        for (int i = 0; i < 2; i++)
        {
            var (mean, std, _) = FlowSde.Step(x[i], v[i], pairs[i].Item1, pairs[i].Item2, 0.9, 0.5);
            using var expected = mean + noise[i] * std;
            Assert.True(expected.allclose(sampled[i], rtol: 1e-12, atol: 1e-12), $"sample {i}");
        }
    }

    [Fact]
    public void A_step_must_lower_sigma()
    {
        using var x = zeros(1, 1);
        Assert.Throws<ArgumentException>(() => FlowSde.Step(x, x, 0.5, 0.5, 0.9, 0.7));
    }
}
