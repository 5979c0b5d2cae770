using static TorchSharp.torch;

namespace Soar.Core.Flow;

/// <summary>
/// SD3-style rectified-flow conventions (METHODS.md section 1), shared by every stage:
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

    /// <summary>The Euler schedule s_i = shift(linspace(1, 0, N + 1)).</summary>
    public static double[] EulerSchedule(int steps, double shift)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), "need at least one sampling step");
        var s = new double[steps + 1];
        for (int i = 0; i <= steps; i++) s[i] = Shift(1.0 - (double)i / steps, shift);
        return s;
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
