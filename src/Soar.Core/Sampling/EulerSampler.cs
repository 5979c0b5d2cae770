using Soar.Core.Devices;
using Soar.Core.Flow;
using Soar.Core.Models;
using static TorchSharp.torch;

namespace Soar.Core.Sampling;

/// <summary>
/// Deterministic Euler ODE sampler with classifier-free guidance (<see cref="Guidance"/>): integrates dx/ds = v from
/// s = 1 to s = 0 over a named schedule (default diffusers' FlowMatchEulerDiscreteScheduler, <see cref="RectifiedFlow.EulerSchedule"/>).
/// </summary>
public static class EulerSampler
{
    /// <param name="noise">[B, C, H, W] starting noise x_1.</param>
    /// <param name="ids">[B, L] caption ids; <paramref name="emptyIds"/> the [1, L] or [B, L] empty caption.</param>
    /// <param name="onStep">called after each step with (step index, state) — used for drift injection and progress.</param>
    /// <param name="schedule">a name from <see cref="RectifiedFlow.ScheduleNames"/>.</param>
    /// <param name="precision">bf16: the model runs under autocast; the state and the Euler update stay fp32.</param>
    public static Tensor Sample(VelocityModel model, Tensor noise, Tensor ids, Tensor emptyIds, int steps, double cfgScale,
        string schedule = RectifiedFlow.DiffusersSchedule, Func<int, Tensor, Tensor?>? onStep = null, CancellationToken cancellationToken = default,
        Precision precision = Precision.Fp32)
    {
        var sigmas = RectifiedFlow.EulerSchedule(steps, model.Config.TimestepShift, schedule);
        var result = Integrate(model, noise, ids, emptyIds, sigmas, 0, steps, cfgScale, onStep, cancellationToken, precision);
        NativeHeap.Trim();
        return result;
    }

    /// <summary>Runs Euler steps [from, to) of a schedule; the state returned lives outside any dispose scope.</summary>
    public static Tensor Integrate(VelocityModel model, Tensor x, Tensor ids, Tensor emptyIds, double[] schedule, int from, int to,
        double cfgScale, Func<int, Tensor, Tensor?>? onStep = null, CancellationToken cancellationToken = default, Precision precision = Precision.Fp32)
    {
        // inference_mode skips autograd bookkeeping entirely (about 2x faster than no_grad on CPU here).
        using var inference = inference_mode();
        using var autocast = Autocast.Enter(precision, x.device);
        using var captionScope = NewDisposeScope();
        var caption = Guidance.Encode(model, ids, emptyIds, cfgScale);
        var state = x.detach().clone();
        for (int i = from; i < to; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var stepScope = NewDisposeScope();
            var v = Guidance.Velocity(model, state, schedule[i], caption, cfgScale);
            var next = state + v * (schedule[i + 1] - schedule[i]);
            if (onStep?.Invoke(i, next) is { } replaced) next = replaced;
            next.MoveToOuterDisposeScope();
            state.Dispose();
            state = next;
        }
        return state.MoveToOuterDisposeScope();
    }
}
