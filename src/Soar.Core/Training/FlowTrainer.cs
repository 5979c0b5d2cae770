using System.Diagnostics;
using Soar.Core.Devices;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Stages;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Training;

/// <summary>
/// The one optimisation loop of every training stage (SFT, SOAR, Flow-GRPO): AdamW, the learning-rate schedule,
/// gradient accumulation over micro-batches, grad-norm clipping, the NaN guard, optional EMA, progress, metrics and
/// periodic checkpoints. What a step trains comes from an <see cref="IStepSource"/>. All randomness of step k comes
/// from generators seeded by (seed, k), so training [0, N) then resuming [N, 2N) equals training [0, 2N) given the
/// restored weights, EMA and optimizer.
/// </summary>
public sealed class FlowTrainer
{
    private readonly VelocityModel _model;
    private readonly IStepSource _steps;
    private readonly TrainingOptions _options;
    private readonly IStageLog _log;
    private readonly Device _device;

    public AdamW Optimizer { get; }
    public EmaWeights? Ema { get; }

    /// <summary>Called every LogEvery steps with (step, metrics) — e.g. the JSONL/TensorBoard log.</summary>
    public Action<int, IReadOnlyDictionary<string, double>>? OnMetrics { get; set; }
    /// <summary>Called after step k completes when k is a multiple of CheckpointEvery (and never after the last step).</summary>
    public Action<int>? OnCheckpoint { get; set; }
    /// <summary>Called after every completed step k (1-based), after any checkpoint: e.g. validation images every N steps.</summary>
    public Action<int>? AfterStep { get; set; }

    public FlowTrainer(VelocityModel model, IStepSource steps, TrainingOptions options, IStageLog log)
    {
        options.Validate();
        _model = model;
        _steps = steps;
        _options = options;
        _log = log;
        _device = model.parameters().First().device;
        // Frozen weights (everything but the adapters of a LoRA model) get no optimizer state.
        Optimizer = optim.AdamW(model.parameters().Where(p => p.requires_grad), options.LearningRate, options.Beta1, options.Beta2, 1e-8, options.WeightDecay);
        Ema = options.EmaDecay > 0 ? new EmaWeights(model, options.EmaDecay) : null;
    }

    /// <summary>SFT and SOAR: a batch objective over a dataset.</summary>
    public FlowTrainer(VelocityModel model, ITrainingObjective objective, TrainingOptions options, TrainingSet data, Tensor emptyIds, IStageLog log)
        : this(model, new DatasetSteps(objective, data, options, emptyIds), options, log) { }

    /// <summary>Stops runs whose weights do not move or whose loss keeps climbing (see <see cref="LearningMonitor"/>).</summary>
    public LearningMonitor Monitor { get; init; } = new();

    /// <summary>Runs steps [startStep, endStep); returns the per-step mean losses.</summary>
    public TrainingSummary Train(int startStep, int endStep, CancellationToken cancellationToken)
    {
        _model.train();
        _model.GradientCheckpointing = _options.GradientCheckpointing;
        var initialWeights = WeightFingerprint();
        var losses = new List<double>();
        var window = new Dictionary<string, double>();
        int windowSteps = 0;
        var clock = Stopwatch.StartNew();
        var windowClock = Stopwatch.StartNew();
        for (int step = startStep; step < endStep; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double lr = _options.LearningRateAt(step);
            foreach (var group in Optimizer.ParamGroups) group.LearningRate = lr;
            using var generator = new Generator(SplitMix64.Derive(_options.Seed, "step", step), CPU);
            using var stepScope = NewDisposeScope();
            StepPlan plan;
            using (Autocast.Enter(_options.Precision, _device)) plan = _steps.Plan(_model, step, generator, cancellationToken);
            var stepMetrics = RunUpdates(plan, step, cancellationToken);
            losses.Add(stepMetrics.GetValueOrDefault("loss"));
            foreach (var (k, v) in plan.Metrics) stepMetrics[k] = v;
            stepMetrics["lr"] = lr;
            foreach (var (k, v) in stepMetrics) window[k] = window.GetValueOrDefault(k) + v;
            windowSteps++;

            int done = step + 1;
            if (done % _options.LogEvery == 0 || done == endStep)
            {
                var report = window.ToDictionary(kv => kv.Key, kv => kv.Value / windowSteps);
                report["images_per_s"] = windowSteps * _options.BatchSize / Math.Max(windowClock.Elapsed.TotalSeconds, 1e-9);
                var perStep = clock.Elapsed.TotalSeconds / (done - startStep);
                _log.Progress(done, endStep, report, TimeSpan.FromSeconds(perStep * (endStep - done)));
                if (_steps.MonitorsLoss) Monitor.Observe(done, report["loss"], () => WeightFingerprint() != initialWeights);
                OnMetrics?.Invoke(done, report);
                window.Clear();
                windowSteps = 0;
                windowClock.Restart();
            }
            if (_options.CheckpointEvery > 0 && done % _options.CheckpointEvery == 0 && done < endStep) OnCheckpoint?.Invoke(done);
            AfterStep?.Invoke(done);
        }
        return new TrainingSummary(losses, clock.Elapsed);
    }

    /// <summary>The plan's optimizer updates; metrics are means over every micro-batch of the step, grad_norm over updates.</summary>
    private Dictionary<string, double> RunUpdates(StepPlan plan, int step, CancellationToken cancellationToken)
    {
        var metrics = new Dictionary<string, double>();
        int microBatches = plan.Updates.Sum(u => u.MicroBatches);
        double gradNorms = 0;
        foreach (var update in plan.Updates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Optimizer.zero_grad();
            double loss = 0;
            for (int m = 0; m < update.MicroBatches; m++)
            {
                using var scope = NewDisposeScope();
                ObjectiveOutput output;
                // Autocast covers the forward only (as torch.autocast is used): backward replays the recorded casts.
                using (Autocast.Enter(_options.Precision, _device)) output = update.MicroBatch(m);
                if (!output.BackPropagated) (output.Loss.to(ScalarType.Float32) / update.MicroBatches).backward();
                BlockCheckpoint.ThrowIfFailed();
                loss += output.Metrics.GetValueOrDefault("loss") / update.MicroBatches;
                foreach (var (k, v) in output.Metrics) metrics[k] = metrics.GetValueOrDefault(k) + v / microBatches;
            }
            if (!double.IsFinite(loss))
                throw new StageException("SOAR2103", $"the {_steps.Name} loss is {loss} at step {step + 1}; training stopped before the weights were damaged. Lower LearningRate or check the data.");
            gradNorms += _options.GradClip > 0 ? nn.utils.clip_grad_norm_(_model.parameters(), _options.GradClip) : GradNorm();
            Optimizer.step();
            // EMA decays are counted in steps from the stage's start, so a resumed run applies the same ones.
            Ema?.Update(_model, _options.EmaDecayAt(step + 1));
        }
        if (plan.Updates.Count > 0) metrics["grad_norm"] = gradNorms / plan.Updates.Count;
        metrics["optimizer_steps"] = plan.Updates.Count;
        return metrics;
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
}

/// <summary>What a training run did: per-step losses and wall time.</summary>
public sealed record TrainingSummary(IReadOnlyList<double> Losses, TimeSpan Elapsed);
