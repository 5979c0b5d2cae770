using Soar.Core.Rewards;
using Soar.Core.Rl;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Rl;

public class FlowGrpoTrainerTests : IDisposable
{
    private readonly int _threads = get_num_threads();

    // Two spinning threads on a shared 2-core machine run several times slower than one.
    public FlowGrpoTrainerTests() => set_num_threads(1);

    public void Dispose() => set_num_threads(_threads);

    /// <summary>Reference settings (a, clip, beta, CFG, advantages) with a short schedule and small groups.</summary>
    private static FlowGrpoOptions Small(int steps, double lr, double beta, int groupSize = 4) => new()
    {
        Steps = steps, PromptsPerStep = 2, GroupSize = groupSize, SdeSteps = 6, LearningRate = lr, Beta = beta, WeightDecay = 0, Seed = 3,
    };

    [Fact]
    public void A_fresh_rollout_has_ratio_one_and_zero_kl_against_its_own_copy()
    {
        using var tiny = new TinyPolicy();
        var options = Small(1, 1e-4, 0.04);
        var trainer = new FlowGrpoTrainer(tiny.Policy, tiny.Reference, new RedPixelReward(), TinyPolicy.Prompts, tiny.Tokenizer, options, new RecordingLog());
        var (rollout, prompts) = trainer.Collect(0);
        using (rollout)
        {
            Assert.Equal([7L, 8, 3, 16, 16], rollout.States.shape);
            Assert.Equal([8L, 6], rollout.LogProbs.shape);
            Assert.Equal(2, prompts.Count);
            using var ids = trainer.Ids(0);
            using var empty = Soar.Core.Models.TrainedModel.EmptyIds(tiny.Tokenizer, 1, CPU);
            using var scope = NewDisposeScope();
            var referenceCaption = tiny.Reference.EncodeCaption(cat([ids, empty.expand(8, empty.shape[1])], dim: 0));
            using var advantages = ones(8);
            for (int j = 0; j < rollout.Steps; j++)
            {
                var term = FlowGrpoLoss.Compute(tiny.Policy, tiny.Reference, referenceCaption, rollout.States[j], rollout.States[j + 1],
                    rollout.LogProbs[.., j], advantages, ids, empty, rollout.Schedule[j], rollout.Schedule[j + 1], rollout.Schedule[1], options);
                Assert.Equal(0.0, term.Kl);
                Assert.Equal(0.0, term.ClipFraction);
                Assert.True(term.ApproxKl < 1e-10, $"step {j}: the recomputed log-prob differs from the sampler's ({term.ApproxKl})");
                Assert.Equal(-1.0, term.PolicyLoss, 4);
            }
        }
    }

    [Fact]
    public void Rollouts_are_reproducible_from_the_seed()
    {
        using var tiny = new TinyPolicy();
        var trainer = new FlowGrpoTrainer(tiny.Policy, tiny.Reference, new RedPixelReward(), TinyPolicy.Prompts, tiny.Tokenizer, Small(1, 1e-4, 0), new RecordingLog());
        var (a, _) = trainer.Collect(4);
        var (b, _) = trainer.Collect(4);
        var (c, _) = trainer.Collect(5);
        using (a) using (b) using (c)
        {
            Assert.True(a.States.allclose(b.States, 0, 0));
            Assert.False(a.States.allclose(c.States, 0, 0));
        }
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_large_beta_keeps_the_policy_at_the_reference()
    {
        double Drift(double beta)
        {
            using var tiny = TinyPolicy.Narrow();
            var trainer = new FlowGrpoTrainer(tiny.Policy, tiny.Reference, new RedPixelReward(), TinyPolicy.Prompts, tiny.Tokenizer,
                Small(6, 3e-3, beta), new RecordingLog());
            trainer.Train(CancellationToken.None);
            return tiny.Drift();
        }
        double free = Drift(0), anchored = Drift(1e4);
        Assert.True(anchored < free / 5, $"drift from the reference with beta = 1e4: {anchored:g3}, with beta = 0: {free:g3}");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void A_tiny_run_raises_the_red_reward()
    {
        using var tiny = TinyPolicy.Narrow();
        var log = new RecordingLog();
        var trainer = new FlowGrpoTrainer(tiny.Policy, tiny.Reference, new RedPixelReward(), TinyPolicy.Prompts, tiny.Tokenizer,
            Small(30, 2e-3, 0.04, groupSize: 8), log);
        var summary = trainer.Train(CancellationToken.None);
        // From a fresh model (noise images, ~9% red) the share climbs steadily; 0.03 is several times the step-to-step noise.
        double first = summary.MeanRewards.Take(5).Average(), last = summary.MeanRewards.TakeLast(5).Average();
        Assert.True(last > first + 0.03, $"red share went from {first:F3} to {last:F3}: {string.Join(" ", summary.MeanRewards.Select(r => r.ToString("F2")))}");
        foreach (var key in new[] { "reward_mean", "reward_std", "kl", "clip_frac", "entropy", "approx_kl", "zero_std_groups" })
            Assert.True(log.Progress[^1].ContainsKey(key), $"the step log lacks {key}");
    }
}
