using System.Diagnostics;
using Soar.Core.Flow;
using Soar.Core.Models;
using Soar.Core.Rewards;
using Soar.Core.Rl;
using Soar.Core.Sampling;
using Soar.Core.Stages;
using Soar.Core.Text;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Objectives;

/// <summary>
/// Online Flow-GRPO (docs/objectives.md, "Flow-GRPO") as a training objective whose per-step data are rollouts: step k
/// draws PromptsPerStep prompts, G SDE rollouts of each with the current policy in one batch, scores them with the
/// reward and turns the rewards into group-relative advantages. Its updates are the rollouts' non-zero-advantage rows
/// shuffled into MiniBatches (x InnerEpochs) optimizer steps, each accumulating the clipped-ratio loss plus beta * KL to
/// the frozen reference over the first T-1 transitions. All randomness of step k comes from (seed, k).
/// </summary>
public sealed class FlowGrpoObjective : IStepSource
{
    public const string ObjectiveName = "flow-grpo";

    private readonly VelocityModel _reference;
    private readonly IReward _reward;
    private readonly IReadOnlyList<RewardPrompt> _prompts;
    private readonly Tensor _promptIds;
    private readonly Tensor _emptyIds;
    private readonly FlowGrpoOptions _options;
    private readonly RewardCollapseMonitor _monitor;
    private readonly double[] _schedule;
    private readonly List<double> _meanRewards = [];

    public string Name => ObjectiveName;
    // A policy-gradient surrogate does not fall like a regression loss; the reward monitor watches this run instead.
    public bool MonitorsLoss => false;
    public FlowGrpoOptions Options => _options;

    /// <summary>One mini-batch of rollouts at one timestep, twice over with CFG (conditional and unconditional rows).</summary>
    public int RowsPerForward(TrainingOptions training)
    {
        int rows = (_options.RolloutsPerStep + _options.MiniBatches - 1) / _options.MiniBatches;
        return Sampling.Guidance.IsGuided(_options.Cfg) ? 2 * rows : rows;
    }
    /// <summary>Mean reward of every step run by this instance (a resumed stage sees only its own steps).</summary>
    public IReadOnlyList<double> MeanRewards => _meanRewards;
    public int SkippedSteps { get; private set; }
    public TimeSpan RolloutTime { get; private set; }

    /// <param name="reference">a frozen copy of the starting policy (the KL anchor).</param>
    /// <param name="prompts">the pool each step draws from; every caption must encode with <paramref name="tokenizer"/>.</param>
    public FlowGrpoObjective(VelocityModel reference, IReward reward, IReadOnlyList<RewardPrompt> prompts, CaptionTokenizer tokenizer,
        FlowGrpoOptions options, IStageLog log, string schedule = RectifiedFlow.DiffusersSchedule)
    {
        options.Validate();
        if (prompts.Count == 0) throw new ArgumentException("the prompt pool is empty");
        _reference = reference;
        _reward = reward;
        _prompts = prompts;
        _options = options;
        var device = reference.parameters().First().device;
        var ids = new List<int[]>();
        foreach (var p in prompts)
        {
            if (!tokenizer.TryEncode(p.Caption, out var encoded, out var error)) throw new ArgumentException($"prompt '{p.Caption}': {error}");
            ids.Add(encoded);
        }
        _promptIds = TrainingSet.ToIdTensor(ids).to(device);
        _emptyIds = TrainedModel.EmptyIds(tokenizer, 1, device);
        _schedule = RectifiedFlow.EulerSchedule(options.SdeSteps, reference.Config.TimestepShift, schedule);
        _monitor = new RewardCollapseMonitor(log, reward.Name, options.CollapsePatience);
        foreach (var p in reference.parameters()) p.requires_grad = false;
        reference.eval();
    }

    public StepPlan Plan(VelocityModel policy, int step, Generator generator, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (rollout, chosen) = Collect(policy, step, cancellationToken);
        double samplingSeconds = clock.Elapsed.TotalSeconds;
        var prompts = Enumerable.Range(0, (int)rollout.BatchSize).Select(i => chosen[i / _options.GroupSize]).ToArray();
        var captions = prompts.Select(p => p.Caption).ToArray();
        var rewards = _reward.Score(TrainingSet.ToImages(rollout.Images), prompts, cancellationToken);
        RolloutTime += clock.Elapsed;
        var metrics = new Dictionary<string, double>
        {
            ["rollout_images_per_s"] = rollout.BatchSize / samplingSeconds,
            ["reward_s"] = clock.Elapsed.TotalSeconds - samplingSeconds,
            ["zero_std_groups"] = GroupAdvantages.ZeroStdFraction(captions, rewards),
            ["reward_mean"] = rewards.Average(),
            ["reward_std"] = GroupAdvantages.PopulationStd(rewards),
            ["reward_min"] = rewards.Min(),
            ["reward_max"] = rewards.Max(),
        };
        _meanRewards.Add(rewards.Average());
        if (_monitor.Check(step, rewards, captions))
        {
            SkippedSteps++;
            return new StepPlan([], metrics);
        }
        var advantages = GroupAdvantages.Compute(captions, rewards, _options.GlobalStd, _options.AdvantageClip);
        // Samples with zero advantage carry no signal and are dropped, as the reference does.
        var trainable = Enumerable.Range(0, advantages.Length).Where(i => advantages[i] != 0).ToArray();
        metrics["trained_samples"] = trainable.Length;
        return new StepPlan(Updates(policy, step, rollout, Ids(step), advantages, trainable), metrics);
    }

    /// <summary>The prompts of step k (prompt-major: rollout i answers prompt i / G) and their batched SDE rollouts.</summary>
    public (Rollout Rollout, IReadOnlyList<RewardPrompt> Prompts) Collect(VelocityModel policy, int step, CancellationToken cancellationToken = default)
    {
        var ids = Ids(step);
        var config = policy.Config;
        using var generator = new Generator(SplitMix64.Derive(_options.Seed, "grpo-rollout", step), CPU);
        var noise = randn([_options.RolloutsPerStep, config.Channels, config.ImageSize, config.ImageSize], generator: generator).to(ids.device);
        var rollout = RolloutSampler.Sample(policy, noise, ids, _emptyIds, _schedule, _options.Cfg, _options.NoiseLevel, generator, cancellationToken);
        return (rollout, ChoosePrompts(step).Select(i => _prompts[i]).ToArray());
    }

    /// <summary>[B, L] caption ids of step k's rollouts, prompt-major.</summary>
    public Tensor Ids(int step)
    {
        var rows = ChoosePrompts(step).SelectMany(i => Enumerable.Repeat((long)i, _options.GroupSize)).ToArray();
        using var index = tensor(rows, device: _promptIds.device);
        return _promptIds.index_select(0, index);
    }

    private List<OptimizerUpdate> Updates(VelocityModel policy, int step, Rollout rollout, Tensor ids, IReadOnlyList<double> advantages, int[] trainable)
    {
        var updates = new List<OptimizerUpdate>();
        int timesteps = Math.Min(_options.TrainedTimesteps, rollout.Steps);
        double sigmaMax = FlowSde.SigmaMax(rollout.Schedule);
        var advantageTensor = tensor(advantages.Select(a => (float)a).ToArray(), device: ids.device);
        for (int epoch = 0; epoch < _options.InnerEpochs; epoch++)
        {
            var order = Shuffle(trainable, SplitMix64.Derive(_options.Seed, "grpo-shuffle", (long)step * _options.InnerEpochs + epoch));
            int chunks = Math.Min(_options.MiniBatches, order.Length);
            for (int c = 0; c < chunks; c++)
            {
                var index = tensor(order.Where((_, k) => k % chunks == c).Select(i => (long)i).ToArray(), device: ids.device);
                var batchIds = ids.index_select(0, index);
                var batchAdvantages = advantageTensor.index_select(0, index);
                var oldLogProbs = rollout.LogProbs.index_select(0, index);
                EncodedCaption? referenceCaption = null;
                // The reference is frozen, so its caption encoding is made once per mini-batch, without gradient.
                if (_options.Beta > 0) using (no_grad()) referenceCaption = Guidance.Encode(_reference, batchIds, _emptyIds, _options.Cfg);
                updates.Add(new OptimizerUpdate(timesteps, j =>
                {
                    var term = FlowGrpoLoss.Compute(policy, _reference, referenceCaption,
                        rollout.States[j].index_select(0, index), rollout.States[j + 1].index_select(0, index),
                        oldLogProbs[.., j], batchAdvantages, batchIds, _emptyIds, rollout.Schedule[j], rollout.Schedule[j + 1], sigmaMax, _options);
                    return new ObjectiveOutput(term.Loss, new Dictionary<string, double>
                    {
                        ["loss"] = term.Loss.item<float>(), ["policy_loss"] = term.PolicyLoss, ["kl"] = term.Kl,
                        ["clip_frac"] = term.ClipFraction, ["approx_kl"] = term.ApproxKl, ["entropy"] = term.Entropy,
                    });
                }));
            }
        }
        return updates;
    }

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
}
