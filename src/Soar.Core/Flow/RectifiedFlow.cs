using static TorchSharp.torch;

namespace Soar.Core.Flow;

/// <summary>
/// SD3-style rectified-flow conventions (docs/objectives.md, "Conventions"), shared by every stage:
/// x_s = (1 - s) x0 + s eps, target v = eps - x0, s = 1 is pure noise.
/// </summary>
public static class RectifiedFlow
{
    /// <summary>Timestep shift: shift(u) = a*u / (1 + (a - 1)*u).</summary>
    public static double Shift(double u, double a) => a * u / (1 + (a - 1) * u);

    public static Tensor Shift(Tensor u, double a) => u * a / ((u * (a - 1)) + 1);

    /// <summary>x_s = (1 - s) x0 + s eps, with s broadcast over [B] -> [B, 1, 1, 1].</summary>
    public static Tensor Noise(Tensor x0, Tensor eps, Tensor sigma)
    {
        var s = Broadcast(sigma, x0);
        return (1 - s) * x0 + s * eps;
    }

    /// <summary>The velocity target v = eps - x0.</summary>
    public static Tensor VelocityTarget(Tensor x0, Tensor eps) => eps - x0;

    /// <summary>Logit-normal training timesteps: u = sigmoid(n), n ~ N(0, 1); returns (u, s = shift(u)).</summary>
    public static (Tensor U, Tensor Sigma) SampleTimesteps(long batch, double shift, Generator generator, Device device)
    {
        var n = randn(batch, generator: generator).to(device);
        var u = sigmoid(n);
        return (u, Shift(u, shift));
    }

    /// <summary>diffusers' FlowMatchEulerDiscreteScheduler, as the SD3 pipelines and flow_grpo sample (the default).</summary>
    public const string DiffusersSchedule = "diffusers";
    /// <summary>shift(linspace(1, 0, N + 1)): evenly spaced in pre-shift time down to exactly 0.</summary>
    public const string LinearSchedule = "linear";
    public static IReadOnlyList<string> ScheduleNames { get; } = [DiffusersSchedule, LinearSchedule];

    /// <summary>The N + 1 sigmas s_0 = 1 > ... > s_N = 0 of an N-step Euler sampler under a named schedule.</summary>
    public static double[] EulerSchedule(int steps, double shift, string schedule = DiffusersSchedule)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "need at least one sampling step");
        var s = new double[steps + 1];
        switch (schedule)
        {
            case DiffusersSchedule:
                // s_i = shift(linspace(1, shift(1/1000), N)), then 0: the training table's smallest sigma is shifted
                // once for the table and once more by set_timesteps, so the last step runs from a tiny sigma to 0.
                double last = Shift(1.0 / 1000, shift);
                for (int i = 0; i < steps; i++) s[i] = Shift(steps == 1 ? 1.0 : 1.0 + (last - 1.0) * i / (steps - 1), shift);
                s[steps] = 0;
                return s;
            case LinearSchedule:
                for (int i = 0; i <= steps; i++) s[i] = Shift(1.0 - (double)i / steps, shift);
                return s;
            default:
                throw new ArgumentException($"unknown sampling schedule '{schedule}'; known: {string.Join(", ", ScheduleNames)}", nameof(schedule));
        }
    }

    /// <summary>Classifier-free guidance: v = v_u + w (v_c - v_u).</summary>
    public static Tensor Guide(Tensor conditional, Tensor unconditional, double scale) =>
        unconditional + (conditional - unconditional) * scale;

    /// <summary>[B] -> [B, 1, 1, 1] (as many trailing ones as like has dimensions).</summary>
    public static Tensor Broadcast(Tensor perSample, Tensor like)
    {
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = perSample.shape[0];
        return perSample.view(shape);
    }
}
