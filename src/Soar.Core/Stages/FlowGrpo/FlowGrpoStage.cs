using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Devices;
using Soar.Core.Logging;
using Soar.Core.Models;
using Soar.Core.Rewards;
using Soar.Core.Rl;
using Soar.Core.Stages.Curate;
using Soar.Core.Stages.Training;
using TorchSharp;

namespace Soar.Core.Stages.FlowGrpo;

/// <summary>
/// Kind "flow-grpo": online RL of an upstream model (after sft or soar) against a reward, by Flow-GRPO
/// (METHODS.md section 4). Writes checkpoint/ (loadable like any model stage) and logs/metrics.jsonl.
/// </summary>
public sealed class FlowGrpoStage : IStage
{
    public const string Objective = "flow-grpo";

    public string Kind => "flow-grpo";

    public StageResult Run(StageContext context, CancellationToken cancellationToken)
    {
        var device = ComputeDevice.Resolve(context.String("Device"));
        int threads = ComputeDevice.ConfigureThreads(context.Int("Threads"));
        var options = ReadOptions(context);
        var modelInput = Packaging.ModelPackageInput.Resolve(context, context.FindInput(i => TrainedModel.IsCheckpoint(i.Dir)))
            ?? context.RequireInput(i => TrainedModel.IsCheckpoint(i.Dir), "a trained model to start the policy from (an sft or soar stage, or ModelPackage=\"Id/Version\")");
        var datasetInput = context.FindInput(i => File.Exists(Path.Combine(i.Dir, CurateStage.ManifestFileName)));

        var reader = CheckpointReader.Open(TrainedModel.ResolveCheckpointDir(modelInput.Dir));
        var (architecture, tokenizer) = TrainedModel.ReadArchitecture(reader.Config, reader.Directory);
        bool useEma = context.Bool("UseEma") && reader.HasEma;
        using var policy = ModelRegistry.Create(architecture);
        using var reference = ModelRegistry.Create(architecture);
        // The reference is a frozen copy of the starting policy: the KL penalty anchors RL to it.
        reader.LoadWeightsInto(policy, useEma);
        reader.LoadWeightsInto(reference, useEma);
        policy.to(device);
        reference.to(device);
        var world = reader.Config["dataset"]?["world"]?.GetValue<string>();

        var prompts = FlowGrpoPrompts.Resolve(context, tokenizer, world, datasetInput, architecture.ImageSize, options.Seed);
        var reward = CreateReward(context, world);
        context.Log.Info($"policy from '{modelInput.Name}'{(useEma ? " (EMA weights)" : "")}: {policy.ParameterCount():N0} parameters; reward '{reward.Name}'; {prompts.Count} prompts; " +
            $"{options.Steps} steps of {options.PromptsPerStep} prompts x G={options.GroupSize}, T={options.SdeSteps} SDE steps (training on {options.TrainedTimesteps}); device {device.type}, {threads} threads");

        FlowGrpoTrainer trainer;
        try { trainer = new FlowGrpoTrainer(policy, reference, reward, prompts, tokenizer, options, context.Log); }
        catch (ArgumentException e) { throw new StageException("SOAR2503", $"stage '{context.Name}': {e.Message}", e); }

        var config = BuildConfig(reader.Config, options, reward.Name, context.String("Prompts"), modelInput.Name);
        var checkpointDir = Path.Combine(context.OutputDir, TrainedModel.CheckpointFolder);
        using (var metrics = new MetricsLog(Path.Combine(context.OutputDir, TrainingStageRunner.LogsFolder)))
        {
            trainer.OnMetrics = (step, values) => metrics.Record(step, values);
            trainer.OnCheckpoint = step => CheckpointWriter.Save(checkpointDir, policy, null, trainer.Optimizer, config, new TrainerState(step));
            FlowGrpoSummary summary;
            try { summary = trainer.Train(cancellationToken); }
            catch (RewardException e) { throw new StageException("SOAR2520", $"stage '{context.Name}': {e.Message}", e); }
            CheckpointWriter.Save(checkpointDir, policy, null, trainer.Optimizer, config, new TrainerState(options.Steps));
            return Result(summary, options, reward.Name, device.type.ToString().ToLowerInvariant(), threads);
        }
    }

    public static FlowGrpoOptions ReadOptions(StageContext c)
    {
        var options = new FlowGrpoOptions
        {
            Steps = c.Int("Steps"),
            PromptsPerStep = c.Int("PromptsPerStep"),
            GroupSize = c.Int("GroupSize"),
            SdeSteps = c.Int("SdeSteps"),
            TimestepFraction = c.Double("TimestepFraction"),
            NoiseLevel = c.Double("NoiseLevel"),
            Cfg = c.Double("Cfg"),
            ClipRange = c.Double("ClipRange"),
            Beta = c.Double("Beta"),
            AdvantageClip = c.Double("AdvantageClip"),
            GlobalStd = c.Bool("GlobalStd"),
            MiniBatches = c.Int("MiniBatches"),
            InnerEpochs = c.Int("InnerEpochs"),
            LearningRate = c.Double("LearningRate"),
            WeightDecay = c.Double("WeightDecay"),
            Beta1 = c.Double("Beta1"),
            Beta2 = c.Double("Beta2"),
            GradClip = c.Double("GradClip"),
            Seed = c.Long("Seed"),
            LogEvery = c.Int("LogEvery"),
            CheckpointEvery = c.Int("CheckpointEvery"),
            CollapsePatience = c.Int("CollapsePatience"),
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new StageException("SOAR2501", $"stage '{c.Name}': {e.Message}", e); }
        return options;
    }

    private static IReward CreateReward(StageContext context, string? world)
    {
        var baseDir = context.Spec.ProjectPath is { } p ? Path.GetDirectoryName(Path.GetFullPath(p))! : Directory.GetCurrentDirectory();
        try { return RewardCatalog.Create(context.String("Reward"), world, baseDir, TimeSpan.FromSeconds(context.Double("RewardTimeout"))); }
        catch (RewardException e) { throw new StageException("SOAR2502", $"stage '{context.Name}': parameter Reward: {e.Message}", e); }
    }

    private static JsonObject BuildConfig(JsonObject baseConfig, FlowGrpoOptions options, string reward, string prompts, string baseModel)
    {
        // Architecture, tokenizer and dataset/world lineage carry over, so sample/eval/next stages load it like any model.
        var config = baseConfig.DeepClone().AsObject();
        var lineage = config["lineage"] as JsonArray ?? new JsonArray();
        lineage.Add(new JsonObject { ["objective"] = Objective, ["steps"] = options.Steps, ["reward"] = reward, ["prompts"] = prompts, ["seed"] = options.Seed });
        config["lineage"] = lineage;
        config["objective"] = Objective;
        config["training"] = JsonSerializer.SerializeToNode(options);
        config["reward"] = reward;
        config["base_model"] = baseModel;
        return config;
    }

    private static StageResult Result(FlowGrpoSummary summary, FlowGrpoOptions options, string reward, string device, int threads)
    {
        var result = new StageResult();
        int tail = Math.Max(1, summary.MeanRewards.Count / 10);
        result.Metrics["first_reward"] = summary.MeanRewards.Take(tail).Average();
        result.Metrics["final_reward"] = summary.MeanRewards.TakeLast(tail).Average();
        result.Metrics["steps"] = options.Steps;
        result.Metrics["skipped_steps"] = summary.SkippedSteps;
        result.Metrics["rollout_images_per_s"] = summary.RolloutImages / summary.RolloutTime.TotalSeconds;
        result.Metrics["update_s_per_step"] = summary.UpdateTime.TotalSeconds / Math.Max(1, options.Steps - summary.SkippedSteps);
        result.Seeds["training"] = options.Seed;
        result.Notes["objective"] = Objective;
        result.Notes["reward"] = reward;
        result.Notes["flow_grpo"] = $"G={options.GroupSize} prompts/step={options.PromptsPerStep} T={options.SdeSteps} trained={options.TrainedTimesteps} a={options.NoiseLevel} clip={options.ClipRange} beta={options.Beta} cfg={options.Cfg}";
        result.Notes["device"] = device;
        result.Notes["threads"] = threads.ToString();
        return result;
    }
}
