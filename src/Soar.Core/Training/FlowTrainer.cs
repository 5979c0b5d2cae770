using System.Diagnostics;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Stages;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Training;

/// <summary>
/// The optimisation loop shared by every training stage: AdamW, gradient accumulation, grad-norm clipping,
/// optional EMA, progress and metrics. All randomness of step k comes from generators seeded by (seed, k),
/// so training [0, N) then resuming [N, 2N) equals training [0, 2N) given the restored weights and optimizer.
/// </summary>
public sealed class FlowTrainer
{
    private readonly VelocityModel _model;
    private readonly ITrainingObjective _objective;
    private readonly TrainingOptions _options;
    private readonly TrainingSet _data;
    private readonly IStageLog _log;
    private readonly Tensor _emptyIds;
    private int _cachedEpoch = -1;
    private int[] _cachedOrder = [];

    public AdamW Optimizer { get; }
    public EmaWeights? Ema { get; }

    /// <summary>Called every LogEvery steps with (step, metrics) — e.g. the JSONL/TensorBoard log.</summary>
    public Action<int, IReadOnlyDictionary<string, double>>? OnMetrics { get; set; }
    /// <summary>Called after step k completes when k is a multiple of CheckpointEvery (and never after the last step).</summary>
    public Action<int>? OnCheckpoint { get; set; }

    public FlowTrainer(VelocityModel model, ITrainingObjective objective, TrainingOptions options, TrainingSet data, Tensor emptyIds, IStageLog log)
    {
        options.Validate();
        _model = model;
        _objective = objective;
        _options = options;
        _data = data;
        _emptyIds = emptyIds;
        _log = log;
        Optimizer = optim.AdamW(model.parameters(), options.LearningRate, options.Beta1, options.Beta2, 1e-8, options.WeightDecay);
        Ema = options.EmaDecay > 0 ? new EmaWeights(model, options.EmaDecay) : null;
    }

    /// <summary>Stops runs whose weights do not move or whose loss keeps climbing (see <see cref="LearningMonitor"/>).</summary>
    public LearningMonitor Monitor { get; init; } = new();

    /// <summary>Runs steps [startStep, endStep); returns the per-step mean losses.</summary>
    public TrainingSummary Train(int startStep, int endStep, CancellationToken cancellationToken)
    {
        _model.train();
        var initialWeights = WeightFingerprint();
        var losses = new List<double>();
        var window = new Dictionary<string, double>();
        int windowSteps = 0;
        var clock = Stopwatch.StartNew();
        var windowClock = Stopwatch.StartNew();
        int micro = _options.BatchSize / _options.GradAccumulation;
        for (int step = startStep; step < endStep; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var group in Optimizer.ParamGroups) group.LearningRate = _options.LearningRateAt(step);
            Optimizer.zero_grad();
            var stepMetrics = new Dictionary<string, double>();
            using var generator = new Generator(SplitMix64.Derive(_options.Seed, "step", step), CPU);
            var indices = BatchIndices(step);
            var dropout = new SplitMix64(SplitMix64.Derive(_options.Seed, "caption-dropout", step));
            for (int m = 0; m < _options.GradAccumulation; m++)
            {
                using var scope = NewDisposeScope();
                var batch = MakeBatch(indices.AsSpan(m * micro, micro), dropout);
                var output = _objective.Loss(_model, batch, generator);
                (output.Loss / _options.GradAccumulation).backward();
                foreach (var (k, v) in output.Metrics) stepMetrics[k] = stepMetrics.GetValueOrDefault(k) + v / _options.GradAccumulation;
            }
            double loss = stepMetrics.GetValueOrDefault("loss");
            if (!double.IsFinite(loss))
                throw new StageException("SOAR2103", $"the loss is {loss} at step {step + 1}; training stopped before the weights were damaged. Lower LearningRate or check the data.");
            double gradNorm = _options.GradClip > 0
                ? nn.utils.clip_grad_norm_(_model.parameters(), _options.GradClip)
                : GradNorm();
            Optimizer.step();
            // Updates are counted from the stage's first step, so a resumed run draws the same decays.
            Ema?.Update(_model, _options.EmaDecayAt(step + 1));
            losses.Add(loss);
            stepMetrics["grad_norm"] = gradNorm;
            stepMetrics["lr"] = _options.LearningRateAt(step);
            foreach (var (k, v) in stepMetrics) window[k] = window.GetValueOrDefault(k) + v;
            windowSteps++;

            int done = step + 1;
            if (done % _options.LogEvery == 0 || done == endStep)
            {
                var report = window.ToDictionary(kv => kv.Key, kv => kv.Value / windowSteps);
                report["images_per_s"] = windowSteps * _options.BatchSize / Math.Max(windowClock.Elapsed.TotalSeconds, 1e-9);
                var perStep = clock.Elapsed.TotalSeconds / (done - startStep);
                _log.Progress(done, endStep, report, TimeSpan.FromSeconds(perStep * (endStep - done)));
                Monitor.Observe(done, report["loss"], () => WeightFingerprint() != initialWeights);
                OnMetrics?.Invoke(done, report);
                window.Clear();
                windowSteps = 0;
                windowClock.Restart();
            }
            if (_options.CheckpointEvery > 0 && done % _options.CheckpointEvery == 0 && done < endStep) OnCheckpoint?.Invoke(done);
        }
        return new TrainingSummary(losses, clock.Elapsed);
    }

    /// <summary>Sum and sum of squares of every weight: changes whenever any optimizer step moved a weight.</summary>
    private (double, double) WeightFingerprint()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        double sum = 0, squares = 0;
        foreach (var p in _model.parameters())
        {
            var d = p.detach().to(ScalarType.Float64);
            sum += d.sum().item<double>();
            squares += d.square().sum().item<double>();
        }
        return (sum, squares);
    }

    private double GradNorm()
    {
        using var scope = NewDisposeScope();
        double sum = 0;
        foreach (var p in _model.parameters()) if (p.grad is { } g) sum += g.pow(2).sum().item<float>();
        return Math.Sqrt(sum);
    }

    /// <summary>Sample positions step*B .. step*B+B-1 of an endless stream of seeded epoch permutations.</summary>
    private int[] BatchIndices(int step)
    {
        int n = _data.Count, b = _options.BatchSize;
        var result = new int[b];
        for (int j = 0; j < b; j++)
        {
            long position = (long)step * b + j;
            int epoch = (int)(position / n);
            if (epoch != _cachedEpoch) { _cachedOrder = Permutation(n, SplitMix64.Derive(_options.Seed, "epoch", epoch)); _cachedEpoch = epoch; }
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
        var device = _data.Images.device;
        var idx = tensor(indices.ToArray().Select(i => (long)i).ToArray(), device: device);
        var images = _data.Images.index_select(0, idx);
        var ids = _data.CaptionIds.index_select(0, idx);
        if (_options.CaptionDropout > 0)
        {
            var drop = new bool[indices.Length];
            for (int i = 0; i < drop.Length; i++) drop[i] = dropout.NextDouble() < _options.CaptionDropout;
            if (drop.Any(d => d))
            {
                var mask = tensor(drop, device: device).unsqueeze(1);
                ids = where(mask, _emptyIds.to(device).expand_as(ids), ids);
            }
        }
        return new TrainingBatch(images, ids, _emptyIds.to(device));
    }
}

/// <summary>What a training run did: per-step losses and wall time.</summary>
public sealed record TrainingSummary(IReadOnlyList<double> Losses, TimeSpan Elapsed);
