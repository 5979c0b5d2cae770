using System.Diagnostics;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Rewards;
using Soar.Core.Rl;
using Soar.Core.Stages;
using Soar.Core.Text;
using Soar.Core.Training;
using Soar.Core.Worlds;
using static TorchSharp.torch;

namespace Soar.Bench;

/// <summary>
/// Flow-GRPO speed of one preset at the stage defaults (2 prompts x G = 8 rollouts, T = 10 SDE steps with CFG,
/// training on 9 transitions in 2 mini-batches with the KL reference): rollout images/s (the whole batch in one
/// sampler call) and seconds per training step (all optimizer steps of one RL step). Medians of repeats. With the
/// FLOPs of <see cref="StepFlops"/>: achieved GFLOP/s of both and their share of the measured matmul peak.
/// </summary>
public static class FlowGrpoBenchmark
{
    public static FlowGrpoRow Run(string preset, int repeats, MatmulPeak peak)
    {
        var world = WorldCatalog.Get("shapes");
        var prompts = world.Sample(0, 64, 32).Select(s => RewardPrompt.From(s.Prompt)).DistinctBy(p => p.Caption).ToArray();
        var tokenizer = CaptionTokenizer.Build(prompts.Select(p => p.Caption));
        manual_seed(0);
        var config = ModelRegistry.FromPreset(preset, 32, tokenizer.Vocabulary.Count, tokenizer.MaxTokens, 1.0);
        using var policy = ModelRegistry.Create(config);
        using var reference = ModelRegistry.Create(config);
        reference.load_state_dict(policy.state_dict());
        var options = new FlowGrpoOptions();
        var training = new TrainingOptions { Steps = repeats + 1, BatchSize = options.RolloutsPerStep, LearningRate = 1e-4, WeightDecay = 1e-4, CaptionDropout = 0, LogEvery = 1 };
        var reward = new RedPixelReward(); // nearly free, so the timings are the model's
        var log = new ConsoleStageLog("bench");
        var objective = new FlowGrpoObjective(reference, reward, prompts, tokenizer, options, log);
        var trainer = new FlowTrainer(policy, objective, training, log);
        double trainedRows = 0;
        trainer.OnMetrics = (_, metrics) => trainedRows = metrics.GetValueOrDefault("trained_samples");
        var rolloutTimes = new List<double>();
        var updateTimes = new List<double>();
        var updateFlops = new List<double>();
        for (int step = 0; step <= repeats; step++)
        {
            var rolloutBefore = objective.RolloutTime;
            var clock = Stopwatch.StartNew();
            trainer.Train(step, step + 1, CancellationToken.None);
            double total = clock.Elapsed.TotalSeconds, sampling = (objective.RolloutTime - rolloutBefore).TotalSeconds;
            if (step == 0) continue; // the first step warms up allocators
            rolloutTimes.Add(sampling);
            updateTimes.Add(total - sampling);
            // The update drops zero-advantage rollouts, so its FLOPs follow the rows actually trained.
            updateFlops.Add(StepFlops.FlowGrpoUpdate(config, options, (int)trainedRows, Math.Min(options.TrainedTimesteps, options.SdeSteps)));
        }
        double rolloutSeconds = Stats.Median(rolloutTimes), trainSeconds = Stats.Median(updateTimes);
        double rolloutGflop = StepFlops.FlowGrpoRollout(config, options) / 1e9, trainGflop = Stats.Median(updateFlops) / 1e9;
        return new FlowGrpoRow(preset, policy.ParameterCount(), options.RolloutsPerStep, options.SdeSteps, options.TrainedTimesteps,
            rolloutSeconds, options.RolloutsPerStep / rolloutSeconds, trainSeconds,
            rolloutGflop, rolloutGflop / rolloutSeconds, rolloutGflop / rolloutSeconds / peak.GflopPerSecond,
            trainGflop, trainGflop / trainSeconds, trainGflop / trainSeconds / peak.GflopPerSecond);
    }
}

public sealed record FlowGrpoRow(string Preset, long Parameters, int RolloutsPerStep, int SdeSteps, int TrainedTimesteps,
    double RolloutSecondsPerBatch, double RolloutImagesPerSecond, double TrainSecondsPerStep,
    double RolloutGflopPerBatch, double RolloutGflopPerSecond, double RolloutPeakShare, double TrainGflopPerStep, double TrainGflopPerSecond, double TrainPeakShare);
