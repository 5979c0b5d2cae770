using Soar.Core.Flow;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Flow;

public class RectifiedFlowTests
{
    [Theory]
    [InlineData(0.5, 3.0, 0.75)]     // 3*0.5 / (1 + 2*0.5)
    [InlineData(0.2, 3.0, 0.42857142857142855)] // 0.6 / 1.4
    [InlineData(0.3, 1.0, 0.3)]      // a = 1 is the identity
    [InlineData(0.0, 3.0, 0.0)]
    [InlineData(1.0, 3.0, 1.0)]
    public void Shift_matches_hand_computed_values(double u, double a, double expected)
    {
        Assert.Equal(expected, RectifiedFlow.Shift(u, a), 12);
        using var t = tensor(new[] { (float)u });
        Assert.Equal(expected, RectifiedFlow.Shift(t, a).item<float>(), 5);
    }

    [Fact]
    public void Noising_interpolates_between_data_and_noise()
    {
        using var x0 = tensor(new float[] { 1, -1, 0.5f, 0 }).view(2, 2, 1, 1);
        using var eps = tensor(new float[] { 3, 1, -0.5f, 2 }).view(2, 2, 1, 1);
        using var s = tensor(new float[] { 0.25f, 1f });
        var xs = RectifiedFlow.Noise(x0, eps, s).flatten().data<float>().ToArray();
        // sample 0: 0.75*x0 + 0.25*eps; sample 1: pure noise.
        Assert.Equal(new[] { 1.5f, -0.5f, -0.5f, 2f }, xs);
        var v = RectifiedFlow.VelocityTarget(x0, eps).flatten().data<float>().ToArray();
        Assert.Equal(new[] { 2f, 2f, -1f, 2f }, v);
    }

    [Fact]
    public void Velocity_target_moves_noise_to_data_in_one_euler_step()
    {
        using var x0 = randn(2, 3, 4, 4);
        using var eps = randn(2, 3, 4, 4);
        using var s = tensor(new float[] { 0.3f, 0.9f });
        // From x_s, stepping ds = -s along v = eps - x0 lands on x0 (the path is straight).
        var xs = RectifiedFlow.Noise(x0, eps, s);
        var landed = xs - RectifiedFlow.Broadcast(s, xs) * RectifiedFlow.VelocityTarget(x0, eps);
        Assert.True(landed.allclose(x0, rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public void Classifier_free_guidance_combination()
    {
        using var c = tensor(new float[] { 3, 0 });
        using var u = tensor(new float[] { 1, 2 });
        Assert.Equal(new[] { 10f, -7f }, RectifiedFlow.Guide(c, u, 4.5).data<float>().ToArray());
        Assert.Equal(c.data<float>().ToArray(), RectifiedFlow.Guide(c, u, 1.0).data<float>().ToArray());
        Assert.Equal(u.data<float>().ToArray(), RectifiedFlow.Guide(c, u, 0.0).data<float>().ToArray());
    }

    [Fact]
    public void Linear_schedule_is_shifted_linspace_to_zero()
    {
        Assert.Equal(new[] { 1.0, 0.5, 0.0 }, RectifiedFlow.EulerSchedule(2, 1.0, RectifiedFlow.LinearSchedule));
        var shifted = RectifiedFlow.EulerSchedule(2, 3.0, RectifiedFlow.LinearSchedule);
        Assert.Equal(1.0, shifted[0], 12);
        Assert.Equal(0.75, shifted[1], 12);
        Assert.Equal(0.0, shifted[2], 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => RectifiedFlow.EulerSchedule(0, 1.0));
        Assert.Throws<ArgumentException>(() => RectifiedFlow.EulerSchedule(4, 1.0, "karras"));
    }

    [Fact]
    public void Default_schedule_is_diffusers_flow_match_euler()
    {
        // s_i = shift(linspace(1, shift(1/1000), N)), then 0. Shift 1: linspace(1, 0.001, 2) = [1, 0.001].
        var plain = RectifiedFlow.EulerSchedule(2, 1.0);
        Assert.Equal(3, plain.Length);
        Assert.Equal(1.0, plain[0], 12);
        Assert.Equal(0.001, plain[1], 12);
        Assert.Equal(0.0, plain[2]);
        // Shift 3, 10 steps: shift(1/1000) = 0.003 / 1.002 = 0.0029940119760479; the last non-zero sigma is
        // shift(0.0029940119760479) = 1/112 (0.25 under the linear schedule); s_1 = shift(1 - 0.9970059880239521 / 9).
        var s = RectifiedFlow.EulerSchedule(10, 3.0);
        Assert.Equal(11, s.Length);
        Assert.Equal(1.0, s[0], 12);
        Assert.Equal(0.9601293103448277, s[1], 12);
        Assert.Equal(1.0 / 112, s[9], 12);
        Assert.Equal(0.0, s[10]);
        Assert.Equal(0.25, RectifiedFlow.EulerSchedule(10, 3.0, RectifiedFlow.LinearSchedule)[9], 12);
        // One step goes straight from pure noise to the image.
        Assert.Equal(new[] { 1.0, 0.0 }, RectifiedFlow.EulerSchedule(1, 3.0));
    }

    [Fact]
    public void Logit_normal_timesteps_are_seeded_and_in_range()
    {
        using var g1 = new Generator(7, CPU);
        using var g2 = new Generator(7, CPU);
        var (u1, s1) = RectifiedFlow.SampleTimesteps(1000, 3.0, g1, CPU);
        var (u2, s2) = RectifiedFlow.SampleTimesteps(1000, 3.0, g2, CPU);
        Assert.True(s1.allclose(s2, rtol: 0, atol: 0));
        Assert.True(s1.min().item<float>() > 0 && s1.max().item<float>() < 1);
        // median of sigmoid(N(0,1)) is 0.5, so the median of shift(u) is shift(0.5) = 0.75 for a = 3.
        Assert.InRange(u1.median().item<float>(), 0.45, 0.55);
        Assert.InRange(s1.median().item<float>(), 0.70, 0.80);
    }
}
