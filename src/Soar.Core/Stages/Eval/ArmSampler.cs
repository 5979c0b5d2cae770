using Soar.Core.Devices;
using Soar.Core.Eval.Drift;
using Soar.Core.Flow;
using Soar.Core.Imaging;
using Soar.Core.Models;
using Soar.Core.Sampling;
using Soar.Core.Stages.Sample;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Stages.Eval;

/// <summary>
/// Samples one arm with paired noise: the starting noise of item i depends only on (seed, stream, i), so every arm
/// sees the same noise. Can keep the states at drift injection steps and resume the trajectory from altered states.
/// </summary>
public sealed class ArmSampler(TrainedModel model, int steps, double cfg, long seed, Device device, string schedule = RectifiedFlow.DiffusersSchedule,
    Precision precision = Precision.Fp32)
{
    private const int Chunk = 64;
    private readonly double[] _schedule = RectifiedFlow.EulerSchedule(steps, model.Network.Config.TimestepShift, schedule);

    public double Sigma(int step) => _schedule[step];

    public Tensor Noise(string stream, long index)
    {
        var c = model.Network.Config;
        using var g = new Generator(SplitMix64.Derive(seed, stream, index), CPU);
        return randn([1, c.Channels, c.ImageSize, c.ImageSize], generator: g);
    }

    /// <summary>Samples every caption from noise (stream, index). States at <paramref name="captureAt"/> steps are kept for items with keep[i].</summary>
    public (RgbImage[] Images, Dictionary<(int Item, int Step), float[]> States) Sample(IReadOnlyList<string> captions, IReadOnlyList<long> noiseIndex,
        string stream, IReadOnlyList<int> captureAt, Func<int, bool> keep, CancellationToken ct)
    {
        var images = new RgbImage[captions.Count];
        var states = new Dictionary<(int, int), float[]>();
        for (int start = 0; start < captions.Count; start += Chunk)
        {
            int n = Math.Min(Chunk, captions.Count - start);
            using var scope = NewDisposeScope();
            var noise = cat(Enumerable.Range(start, n).Select(i => Noise(stream, noiseIndex[i])).ToArray(), 0).to(device);
            var ids = SampleStage.Encode(model, captions.Skip(start).Take(n).ToList(), device);
            int first = start;
            var x = EulerSampler.Integrate(model.Network, noise, ids, model.EmptyCaptionIds(), _schedule, 0, steps, cfg, (i, next) =>
            {
                if (!captureAt.Contains(i + 1)) return null;
                var flat = next.detach().cpu().contiguous().data<float>().ToArray();
                int per = flat.Length / n;
                for (int r = 0; r < n; r++)
                    if (keep(first + r)) states[(first + r, i + 1)] = flat.AsSpan(r * per, per).ToArray();
                return null;
            }, ct, precision);
            model.ToImages(x).CopyTo(images, start);
        }
        return (images, states);
    }

    /// <summary>Finishes trajectories from given states at step <paramref name="from"/> (the drift test's second half).</summary>
    public RgbImage[] Finish(IReadOnlyList<float[]> states, IReadOnlyList<string> captions, int from, CancellationToken ct)
    {
        var c = model.Network.Config;
        var images = new RgbImage[states.Count];
        for (int start = 0; start < states.Count; start += Chunk)
        {
            int n = Math.Min(Chunk, states.Count - start);
            using var scope = NewDisposeScope();
            var flat = states.Skip(start).Take(n).SelectMany(s => s).ToArray();
            var x = tensor(flat, [n, c.Channels, c.ImageSize, c.ImageSize]).to(device);
            var ids = SampleStage.Encode(model, captions.Skip(start).Take(n).ToList(), device);
            var y = EulerSampler.Integrate(model.Network, x, ids, model.EmptyCaptionIds(), _schedule, from, steps, cfg, cancellationToken: ct, precision: precision);
            model.ToImages(y).CopyTo(images, start);
        }
        return images;
    }

    /// <summary>The state at s_j the model itself predicts with one Euler step from the starting noise (the "coarse" drift).</summary>
    public float[] CoarseState(string caption, string stream, long noiseIndex, int step)
    {
        using var scope = NewDisposeScope();
        var noise = Noise(stream, noiseIndex).to(device);
        var ids = SampleStage.Encode(model, [caption], device);
        var x = EulerSampler.Integrate(model.Network, noise, ids, model.EmptyCaptionIds(), [_schedule[0], _schedule[step]], 0, 1, cfg, precision: precision);
        return x.cpu().contiguous().data<float>().ToArray();
    }

    public static float[] Add(float[] state, float[] delta) => state.Select((v, i) => v + delta[i]).ToArray();
}
