using static TorchSharp.torch;

namespace Soar.Core.Rl;

/// <summary>
/// A batch of SDE trajectories: the states x_0..x_T ([T + 1, B, C, H, W], x_0 the starting noise, x_T the image)
/// and the sampler's log-probability of each transition ([B, T]), on the schedule they were drawn with.
/// </summary>
public sealed class Rollout(Tensor states, Tensor logProbs, double[] schedule) : IDisposable
{
    public Tensor States { get; } = states;
    public Tensor LogProbs { get; } = logProbs;
    public double[] Schedule { get; } = schedule;
    public int Steps => Schedule.Length - 1;
    public long BatchSize => States.shape[1];

    /// <summary>The generated images (the last state).</summary>
    public Tensor Images => States[Steps];

    public void Dispose()
    {
        States.Dispose();
        LogProbs.Dispose();
    }
}
