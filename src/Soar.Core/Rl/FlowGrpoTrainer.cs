using System.Diagnostics;
using Soar.Core.Flow;
using Soar.Core.Models;
using Soar.Core.Rewards;
using Soar.Core.Stages;
using Soar.Core.Text;
using Soar.Core.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Rl;

/// <summary>
/// Online Flow-GRPO (METHODS.md section 4). Each step: draw PromptsPerStep prompts, G SDE rollouts of each in one batch,
/// score them with the reward, turn rewards into group-relative advantages, then update the policy with the clipped
/// ratio objective plus a KL penalty to the frozen reference, over the first T-1 transitions of every trajectory.
/// All randomness of step k comes from generators seeded by (seed, k).
/// </summary>
public sealed class FlowGrpoTrainer
{
    private readonly VelocityModel _policy;
    private readonly VelocityModel _reference;
    private readonly IReward _reward;
    private readonly IReadOnlyList<RewardPrompt> _prompts;
    private readonly Tensor _promptIds;
    private readonly Tensor _emptyIds;
    private readonly FlowGrpoOptions _options;
    private readonly IStageLog _log;
    private readonly double[] _schedule;

    public AdamW Optimizer { get; }

    /// <summary>Called every LogEvery steps with (step, metrics).</summary>
    public Action<int, IReadOnlyDictionary<string, double>>? OnMetrics { get; set; }
    /// <summary>Called after step k when k is a multiple of CheckpointEvery (never after the last step).</summary>
    public Action<int>? OnCheckpoint { get; set; }

    /// <param name="reference">a frozen copy of the starting policy (the KL anchor).</param>
    /// <param name="prompts">the prompt pool each step draws from; every caption must encode with <paramref name="tokenizer"/>.</param>
    public FlowGrpoTrainer(VelocityModel policy, VelocityModel reference, IReward reward, IReadOnlyList<RewardPrompt> prompts,
        CaptionTokenizer tokenizer, FlowGrpoOptions options, IStageLog log)
    {
        options.Validate();
        if (prompts.Count == 0) throw new ArgumentException("the prompt pool is empty");
        _policy = policy;
        _reference = reference;
        _reward = reward;
        _prompts = prompts;
        _options = options;
        _log = log;
        var device = policy.parameters().First().device;
        var ids = new List<int[]>();
        foreach (var p in prompts)
        {
            if (!tokenizer.TryEncode(p.Caption, out var encoded, out var error)) throw new ArgumentException($"prompt '{p.Caption}': {error}");
            ids.Add(encoded);
        }
        _promptIds = TrainingSet.ToIdTensor(ids).to(device);
        _emptyIds = TrainedModel.EmptyIds(tokenizer, 1, device);
        _schedule = RectifiedFlow.EulerSchedule(options.SdeSteps, policy.Config.TimestepShift);
        foreach (var p in reference.parameters()) p.requires_grad = false;
        reference.eval();
        Optimizer = optim.AdamW(policy.parameters(), options.LearningRate, options.Beta1, options.Beta2, 1e-8, options.WeightDecay);
    }

    public FlowGrpoSummary Train(CancellationToken cancellationToken)
    {
        var monitor = new RewardCollapseMonitor(_log, _reward.Name, _options.CollapsePatience);
        var means = new List<double>();
        var window = new Dictionary<string, double>();
        int windowSteps = 0, skipped = 0;
        var clock = Stopwatch.StartNew();
        TimeSpan rolloutTime = TimeSpan.Zero, updateTime = TimeSpan.Zero;
        for (int step = 0; step < _options.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var rolloutClock = Stopwatch.StartNew();
            var (batch, chosen) = Collect(step, cancellationToken);
            using var rollout = batch;
            double samplingSeconds = rolloutClock.Elapsed.TotalSeconds;
            var prompts = Expand(chosen);
            var rewards = _reward.Score(TrainingSet.ToImages(rollout.Images), prompts, cancellationToken);
            rolloutTime += rolloutClock.Elapsed;
            var captions = prompts.Select(p => p.Caption).ToArray();
            var metrics = RewardMetrics(rewards, captions);
            metrics["rollout_images_per_s"] = rollout.BatchSize / samplingSeconds;
            metrics["reward_s"] = rolloutClock.Elapsed.TotalSeconds - samplingSeconds;
            means.Add(metrics["reward_mean"]);

            if (monitor.Check(step, rewards, captions)) skipped++;
            else
            {
                var updateClock = Stopwatch.StartNew();
                var advantages = GroupAdvantages.Compute(captions, rewards, _options.GlobalStd, _options.AdvantageClip);
                foreach (var (k, v) in Update(step, rollout, Ids(step), advantages, cancellationToken)) metrics[k] = v;
                updateTime += updateClock.Elapsed;
                metrics["update_s"] = updateClock.Elapsed.TotalSeconds;
            }
            foreach (var (k, v) in metrics) window[k] = window.GetValueOrDefault(k) + v;
            windowSteps++;

            int done = step + 1;
            if (done % _options.LogEvery == 0 || done == _options.Steps)
            {
                var report = window.ToDictionary(kv => kv.Key, kv => kv.Value / windowSteps);
                double perStep = clock.Elapsed.TotalSeconds / done;
                _log.Progress(done, _options.Steps, report, TimeSpan.FromSeconds(perStep * (_options.Steps - done)));
                OnMetrics?.Invoke(done, report);
                window.Clear();
                windowSteps = 0;
            }
            if (_options.CheckpointEvery > 0 && done % _options.CheckpointEvery == 0 && done < _options.Steps) OnCheckpoint?.Invoke(done);
        }
        return new FlowGrpoSummary(means, skipped, clock.Elapsed, rolloutTime, updateTime, _options.Steps * _options.RolloutsPerStep);
    }

    /// <summary>The prompts of step k (prompt-major: rollout i answers prompt i / G) and their batched SDE rollouts.</summary>
    public (Rollout Rollout, IReadOnlyList<RewardPrompt> Prompts) Collect(int step, CancellationToken cancellationToken = default)
    {
        using var scope = NewDisposeScope();
        var chosen = ChoosePrompts(step);
        var ids = Ids(step);
        var config = _policy.Config;
        using var generator = new Generator(SplitMix64.Derive(_options.Seed, "grpo-rollout", step), CPU);
        var noise = randn([_options.RolloutsPerStep, config.Channels, config.ImageSize, config.ImageSize], generator: generator).to(ids.device);
        var rollout = RolloutSampler.Sample(_policy, noise, ids, _emptyIds, _schedule, _options.Cfg, _options.NoiseLevel, generator, cancellationToken);
        rollout.States.MoveToOuterDisposeScope();
        rollout.LogProbs.MoveToOuterDisposeScope();
        return (rollout, chosen.Select(i => _prompts[i]).ToArray());
    }

    /// <summary>
    /// One round of policy updates on a scored rollout: samples with zero advantage are dropped (as the reference does),
    /// the rest shuffled into MiniBatches optimizer steps, each accumulating gradients over the trained transitions.
    /// </summary>
    public Dictionary<string, double> Update(int step, Rollout rollout, Tensor ids, IReadOnlyList<double> advantages, CancellationToken cancellationToken = default)
    {
        _policy.train();
        var device = ids.device;
        var trainable = Enumerable.Range(0, advantages.Count).Where(i => advantages[i] != 0).ToArray();
        var sums = new Dictionary<string, double>();
        int terms = 0, optimizerSteps = 0;
        double gradNorms = 0;
        int timesteps = Math.Min(_options.TrainedTimesteps, rollout.Steps);
        double sigmaMax = FlowSde.SigmaMax(rollout.Schedule);
        using var advantageTensor = tensor(advantages.Select(a => (float)a).ToArray(), device: device);
        for (int epoch = 0; epoch < _options.InnerEpochs; epoch++)
        {
            var order = Shuffle(trainable, SplitMix64.Derive(_options.Seed, "grpo-shuffle", (long)step * _options.InnerEpochs + epoch));
            int chunks = Math.Min(_options.MiniBatches, order.Length);
            for (int c = 0; c < chunks; c++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var members = order.Where((_, k) => k % chunks == c).Select(i => (long)i).ToArray();
                var index = tensor(members, device: device);
                var batchIds = ids.index_select(0, index);
                var batchAdvantages = advantageTensor.index_select(0, index);
                var oldLogProbs = rollout.LogProbs.index_select(0, index);
                EncodedCaption? referenceCaption = null;
                if (_options.Beta > 0)
                    using (no_grad())
                        referenceCaption = _reference.EncodeCaption(_options.Cfg != 1.0 ? cat([batchIds, _emptyIds.expand(members.Length, _emptyIds.shape[1])], dim: 0) : batchIds);
                Optimizer.zero_grad();
                double loss = 0;
                for (int j = 0; j < timesteps; j++)
                {
                    using var stepScope = NewDisposeScope();
                    var term = FlowGrpoLoss.Compute(_policy, _reference, referenceCaption,
                        rollout.States[j].index_select(0, index), rollout.States[j + 1].index_select(0, index),
                        oldLogProbs[.., j], batchAdvantages, batchIds, _emptyIds,
                        rollout.Schedule[j], rollout.Schedule[j + 1], sigmaMax, _options);
                    (term.Loss / timesteps).backward();
                    double value = term.Loss.item<float>();
                    loss += value / timesteps;
                    Add(sums, "loss", value);
                    Add(sums, "policy_loss", term.PolicyLoss);
                    Add(sums, "kl", term.Kl);
                    Add(sums, "clip_frac", term.ClipFraction);
                    Add(sums, "approx_kl", term.ApproxKl);
                    Add(sums, "entropy", term.Entropy);
                    terms++;
                }
                if (!double.IsFinite(loss))
                    throw new StageException("SOAR2514", $"the Flow-GRPO loss is {loss} at step {step + 1}; training stopped before the weights were damaged. Lower LearningRate or raise Beta.");
                double gradNorm = nn.utils.clip_grad_norm_(_policy.parameters(), _options.GradClip > 0 ? _options.GradClip : double.MaxValue);
                Optimizer.step();
                gradNorms += gradNorm;
                optimizerSteps++;
            }
        }
        _policy.eval();
        var result = sums.ToDictionary(kv => kv.Key, kv => kv.Value / Math.Max(1, terms));
        result["grad_norm"] = gradNorms / Math.Max(1, optimizerSteps);
        result["trained_samples"] = trainable.Length;
        result["optimizer_steps"] = optimizerSteps;
        return result;
    }

    /// <summary>[B, L] caption ids of step k's rollouts, prompt-major.</summary>
    public Tensor Ids(int step)
    {
        var chosen = ChoosePrompts(step);
        var rows = chosen.SelectMany(i => Enumerable.Repeat((long)i, _options.GroupSize)).ToArray();
        using var index = tensor(rows, device: _promptIds.device);
        return _promptIds.index_select(0, index);
    }

    private IReadOnlyList<RewardPrompt> Expand(IReadOnlyList<RewardPrompt> chosen) =>
        Enumerable.Range(0, chosen.Count * _options.GroupSize).Select(i => chosen[i / _options.GroupSize]).ToArray();

    /// <summary>PromptsPerStep distinct pool indices for step k (cycling when the pool is smaller).</summary>
    private int[] ChoosePrompts(int step)
    {
        var order = Shuffle(Enumerable.Range(0, _prompts.Count).ToArray(), SplitMix64.Derive(_options.Seed, "grpo-prompts", step));
        return Enumerable.Range(0, _options.PromptsPerStep).Select(i => order[i % order.Length]).ToArray();
    }

    private static int[] Shuffle(int[] items, ulong seed)
    {
        var order = (int[])items.Clone();
        var rng = new SplitMix64(seed);
        for (int i = order.Length - 1; i > 0; i--) { int k = rng.NextInt(i + 1); (order[i], order[k]) = (order[k], order[i]); }
        return order;
    }

    private static Dictionary<string, double> RewardMetrics(double[] rewards, string[] captions) => new()
    {
        ["zero_std_groups"] = GroupAdvantages.ZeroStdFraction(captions, rewards),
        ["reward_mean"] = rewards.Average(),
        ["reward_std"] = GroupAdvantages.PopulationStd(rewards),
        ["reward_min"] = rewards.Min(),
        ["reward_max"] = rewards.Max(),
    };

    private static void Add(Dictionary<string, double> sums, string key, double value) => sums[key] = sums.GetValueOrDefault(key) + value;
}
