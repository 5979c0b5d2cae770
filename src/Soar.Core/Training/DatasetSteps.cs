using Soar.Core.Models;
using Soar.Core.Objectives;
using static TorchSharp.torch;

namespace Soar.Core.Training;

/// <summary>
/// Steps of a batch objective (SFT, SOAR) over a dataset: step k takes positions kB .. kB+B-1 of an endless stream of
/// seeded epoch permutations, applies seeded caption dropout, and splits the batch into GradAccumulation micro-batches.
/// </summary>
public sealed class DatasetSteps(ITrainingObjective objective, TrainingSet data, TrainingOptions options, Tensor emptyIds) : IStepSource
{
    private int _cachedEpoch = -1;
    private int[] _cachedOrder = [];

    public string Name => objective.Name;
    public bool MonitorsLoss => true;

    public int RowsPerForward(TrainingOptions o) => objective.RowsPerForward(o.BatchSize / o.GradAccumulation);

    public StepPlan Plan(VelocityModel model, int step, Generator generator, CancellationToken cancellationToken)
    {
        var indices = BatchIndices(step);
        var dropout = new SplitMix64(SplitMix64.Derive(options.Seed, "caption-dropout", step));
        int micro = options.BatchSize / options.GradAccumulation;
        // Micro-batches are built when the trainer asks, in order, so dropout and noise draws keep their order.
        var update = new OptimizerUpdate(options.GradAccumulation, m => objective.Loss(model, MakeBatch(indices.AsSpan(m * micro, micro), dropout), generator));
        return new StepPlan([update], new Dictionary<string, double>());
    }

    private int[] BatchIndices(int step)
    {
        int n = data.Count, b = options.BatchSize;
        var result = new int[b];
        for (int j = 0; j < b; j++)
        {
            long position = (long)step * b + j;
            int epoch = (int)(position / n);
            if (epoch != _cachedEpoch) { _cachedOrder = Permutation(n, SplitMix64.Derive(options.Seed, "epoch", epoch)); _cachedEpoch = epoch; }
            result[j] = _cachedOrder[position % n];
        }
        return result;
    }

    private static int[] Permutation(int n, ulong seed)
    {
        var order = Enumerable.Range(0, n).ToArray();
        var rng = new SplitMix64(seed);
        for (int i = n - 1; i > 0; i--) { int k = rng.NextInt(i + 1); (order[i], order[k]) = (order[k], order[i]); }
        return order;
    }

    private TrainingBatch MakeBatch(ReadOnlySpan<int> indices, SplitMix64 dropout)
    {
        var device = data.Images.device;
        var idx = tensor(indices.ToArray().Select(i => (long)i).ToArray(), device: device);
        var images = data.Images.index_select(0, idx);
        var ids = data.CaptionIds.index_select(0, idx);
        if (options.CaptionDropout > 0)
        {
            var drop = new bool[indices.Length];
            for (int i = 0; i < drop.Length; i++) drop[i] = dropout.NextDouble() < options.CaptionDropout;
            if (drop.Any(d => d))
            {
                var mask = tensor(drop, device: device).unsqueeze(1);
                ids = where(mask, emptyIds.to(device).expand_as(ids), ids);
            }
        }
        return new TrainingBatch(images, ids, emptyIds.to(device), 1.0 / options.GradAccumulation);
    }
}
