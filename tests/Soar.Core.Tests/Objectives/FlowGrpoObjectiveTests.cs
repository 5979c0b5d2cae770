using Soar.Core.Objectives;
using Soar.Core.Rewards;
using Soar.Core.Rl;
using Soar.Core.Tests.Rl;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Objectives;

public class FlowGrpoObjectiveTests : IDisposable
{
    private readonly int _threads = get_num_threads();

    // Two spinning threads on a shared 2-core machine run several times slower than one.
    public FlowGrpoObjectiveTests() => set_num_threads(1);

    public void Dispose() => set_num_threads(_threads);

    /// <summary>Reference settings (a, clip, beta, CFG, advantages) with a short schedule and small groups.</summary>
    private static FlowGrpoOptions Small(double beta, int groupSize = 4) => new()
    {
        PromptsPerStep = 2, GroupSize = groupSize, SdeSteps = 6, Beta = beta, Seed = 3,
    };

    private static TrainingOptions Training(FlowGrpoOptions o, int steps, double lr) => new()
    {
        Steps = steps, BatchSize = o.RolloutsPerStep, LearningRate = lr, WeightDecay = 0, CaptionDropout = 0, Seed = o.Seed, LogEvery = 1,
    };

    private static FlowGrpoObjective Objective(TinyPolicy tiny, FlowGrpoOptions options, RecordingLog? log = null) =>
        new(tiny.Reference, new RedPixelReward(), TinyPolicy.Prompts, tiny.Tokenizer, options, log ?? new RecordingLog());

    [Fact]
    public void A_fresh_rollout_has_ratio_one_and_zero_kl_against_its_own_copy()
    {
        using var tiny = new TinyPolicy();
        var options = Small(0.04);
        var objective = Objective(tiny, options);
        using var scope = NewDisposeScope();
        var (rollout, prompts) = objective.Collect(tiny.Policy, 0);
        Assert.Equal([7L, 8, 3, 16, 16], rollout.States.shape);
        Assert.Equal([8L, 6], rollout.LogProbs.shape);
        Assert.Equal(2, prompts.Count);
        var ids = objective.Ids(0);
        var empty = Soar.Core.Models.TrainedModel.EmptyIds(tiny.Tokenizer, 1, CPU);
        var referenceCaption = tiny.Reference.EncodeCaption(cat([ids, empty.expand(8, empty.shape[1])], dim: 0));
        var advantages = ones(8);
        for (int j = 0; j < rollout.Steps; j++)
        {
            var term = FlowGrpoLoss.Compute(tiny.Policy, tiny.Reference, referenceCaption, rollout.States[j], rollout.States[j + 1],
                rollout.LogProbs[.., j], advantages, ids, empty, rollout.Schedule[j], rollout.Schedule[j + 1], rollout.Schedule[1], options);
            Assert.Equal(0.0, term.Kl);
            Assert.Equal(0.0, term.ClipFraction);
            Assert.True(term.ApproxKl < 1e-10, $"step {j}: the recomputed log-prob differs from the sampler's ({term.ApproxKl})");
            Assert.Equal(-1.0, term.PolicyLoss, 4);
        }
        // Rollouts run on diffusers' schedule by default: the last transition ends at exactly 0.
        Assert.Equal(0.0, rollout.Schedule[^1]);
        Assert.True(rollout.Schedule[^2] < 0.01, $"{rollout.Schedule[^2]}");
    }

    [Fact]
    public void Rollouts_are_reproducible_from_the_seed()
    {
        using var tiny = new TinyPolicy();
        var objective = Objective(tiny, Small(0));
        using var scope = NewDisposeScope();
        var (a, _) = objective.Collect(tiny.Policy, 4);
        var (b, _) = objective.Collect(tiny.Policy, 4);
        var (c, _) = objective.Collect(tiny.Policy, 5);
        Assert.True(a.States.allclose(b.States, 0, 0));
        Assert.False(a.States.allclose(c.States, 0, 0));
    }

    [Fact]
    public void A_step_plans_mini_batch_updates_over_the_trained_transitions()
    {
        using var tiny = new TinyPolicy();
        var options = Small(0.04) with { MiniBatches = 2, InnerEpochs = 2 };
        var objective = Objective(tiny, options);
        using var scope = NewDisposeScope();
        using var generator = new Generator(1, CPU);
        var plan = objective.Plan(tiny.Policy, 0, generator, CancellationToken.None);
        // Fresh-model rewards differ within groups, so no step is skipped: 2 epochs x 2 mini-batches, T - 1 = 5 transitions each.
        Assert.Equal(4, plan.Updates.Count);
        Assert.All(plan.Updates, u => Assert.Equal(options.TrainedTimesteps, u.MicroBatches));
        Assert.True(plan.Metrics["trained_samples"] > 0);
    }

    [Fact]
    public void A_large_beta_keeps_the_policy_at_the_reference()
    {
        double Drift(double beta)
        {
            using var tiny = new TinyPolicy();
            var options = Small(beta);
            new FlowTrainer(tiny.Policy, Objective(tiny, options), Training(options, 6, 3e-3), new RecordingLog()).Train(0, 6, CancellationToken.None);
            return tiny.Drift();
        }
        double free = Drift(0), anchored = Drift(1e4);
        Assert.True(anchored < free / 5, $"drift from the reference with beta = 1e4: {anchored:g3}, with beta = 0: {free:g3}");
    }

    [Fact]
    public void A_tiny_run_raises_the_red_reward()
    {
        using var tiny = new TinyPolicy();
        var log = new RecordingLog();
        var options = Small(0.04, groupSize: 8);
        var objective = Objective(tiny, options, log);
        new FlowTrainer(tiny.Policy, objective, Training(options, 30, 2e-3), log).Train(0, 30, CancellationToken.None);
        // From a fresh model (noise images, ~9% red) the share climbs steadily; 0.03 is several times the step-to-step noise.
        var rewards = objective.MeanRewards;
        double first = rewards.Take(5).Average(), last = rewards.TakeLast(5).Average();
        Assert.True(last > first + 0.03, $"red share went from {first:F3} to {last:F3}: {string.Join(" ", rewards.Select(r => r.ToString("F2")))}");
        foreach (var key in new[] { "reward_mean", "reward_std", "kl", "clip_frac", "entropy", "approx_kl", "zero_std_groups", "grad_norm", "lr" })
            Assert.True(log.Progress[^1].ContainsKey(key), $"the step log lacks {key}");
    }
}
