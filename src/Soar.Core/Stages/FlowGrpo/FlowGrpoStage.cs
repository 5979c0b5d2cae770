using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Devices;
using Soar.Core.Logging;
using Soar.Core.Models;
using Soar.Core.Models.Lora;
using Soar.Core.Objectives;
using Soar.Core.Rewards;
using Soar.Core.Rl;
using Soar.Core.Stages.Curate;
using Soar.Core.Stages.Training;
using Soar.Core.Training;
using TorchSharp;

namespace Soar.Core.Stages.FlowGrpo;

/// <summary>
/// Kind "flow-grpo": online RL of an upstream model (after sft or soar) against a reward, by Flow-GRPO
/// (docs/objectives.md, "Flow-GRPO"). Writes checkpoint/ (loadable like any model stage) and logs/metrics.jsonl.
/// </summary>
public sealed class FlowGrpoStage : IStage
{
        public string Kind => "flow-grpo";

    public StageResult Run(StageContext context, CancellationToken cancellationToken)
    {
        var device = ComputeDevice.Resolve(context.String("Device"));
        int threads = ComputeDevice.ConfigureThreads(context.Int("Threads"));
        var (training, options) = ReadOptions(context);
        var modelInput = Packaging.ModelPackageInput.Resolve(context, context.FindInput(i => TrainedModel.IsCheckpoint(i.Dir)))
            ?? context.RequireInput(i => TrainedModel.IsCheckpoint(i.Dir), "a trained model to start the policy from (an sft or soar stage, or ModelPackage=\"Id/Version\")");
        var datasetInput = context.FindInput(i => File.Exists(Path.Combine(i.Dir, CurateStage.ManifestFileName)));

        const string notYet = "flow-grpo on a diffusers pipeline base is not supported yet (its rollouts need the VAE decoder for the reward and the pipeline's text encoders for the prompts); post-train it with sft or soar";
        if (modelInput.Kind == Packaging.ModelPackageInput.PipelineKind) throw new StageException("SOAR2521", $"stage '{context.Name}': {notYet}");
        var reader = CheckpointReader.Open(TrainedModel.ResolveCheckpointDir(modelInput.Dir));
        var (architecture, tokenizer) = TrainedModel.ReadArchitecture(reader.Config, reader.Directory);
        if (architecture is Models.Pipeline.SD3PipelineConfig) throw new StageException("SOAR2521", $"stage '{context.Name}': '{modelInput.Name}' is an sd3-pipeline model; {notYet}");
        bool useEma = context.Bool("UseEma") && reader.HasEma;
        var interruption = context.Spec.ResumeDir is { } resumeDir ? new InterruptionCheckpoints(resumeDir) : null;
        var resume = interruption?.TryOpen(context.Log);
        // A resumed run rebuilds the adapters it recorded; otherwise the Lora parameter names them.
        var policyArchitecture = resume is not null ? TrainedModel.ReadArchitecture(resume.Config, resume.Directory).Model : architecture with { Lora = LoraParameter.Read(context) };
        using var policy = LoraParameter.Create(context, policyArchitecture);
        // The reference is the starting policy, frozen: the KL penalty anchors RL to it, also when resuming. With adapters
        // it is the policy with them turned off, as the official code does, not a second copy.
        using VelocityModel reference = policyArchitecture.Lora is not null ? new LoraReference(policy) : ModelRegistry.Create(policyArchitecture);
        if (policyArchitecture.Lora is null && architecture.Lora is null)
        {
            reader.LoadWeightsInto(reference, useEma);
            if (resume is null) reader.LoadWeightsInto(policy, useEma);
        }
        else
        {
            LoraParameter.LoadBase(reader, architecture, policy, useEma);
            if (reference is not LoraReference) LoraParameter.LoadBase(reader, architecture, reference, useEma);
        }
        policy.to(device);
        reference.to(device);
        var world = reader.Config["dataset"]?["world"]?.GetValue<string>();

        var prompts = FlowGrpoPrompts.Resolve(context, tokenizer, world, datasetInput, architecture.ImageSize, options.Seed);
        var reward = CreateReward(context, world);
        string schedule = context.String("Schedule");
        context.Log.Info($"policy from '{modelInput.Name}'{(useEma ? " (EMA weights)" : "")}: {policy.ParameterCount():N0} parameters; reward '{reward.Name}'; {prompts.Count} prompts; " +
            $"{training.Steps} steps of {options.PromptsPerStep} prompts x G={options.GroupSize}, T={options.SdeSteps} SDE steps ({schedule} schedule, training on {options.TrainedTimesteps}); device {device.type}, {threads} threads");

        FlowGrpoObjective objective;
        try { objective = new FlowGrpoObjective(reference, reward, prompts, tokenizer, options, context.Log, schedule); }
        catch (ArgumentException e) { throw new StageException("SOAR2503", $"stage '{context.Name}': {e.Message}", e); }

        // A resumed run keeps the record of the run it continues.
        var config = resume?.Config.DeepClone().AsObject() ?? BuildConfig(reader.Config, training, options, schedule, reward.Name, context.String("Prompts"), modelInput.Name);
        // The model section names the policy's adapters (or their absence once merged) so every later load rebuilds it.
        if (resume is null && policyArchitecture.Lora != architecture.Lora) config["model"] = ModelRegistry.WriteConfig(policyArchitecture);
        if (resume is null) TrainingStageRunner.WithoutUnfingerprinted(context, config);
        TrainingSummary summary;
        var validation = ValidationSamples.Create(context, tokenizer, world, datasetInput?.Dir, training);
        try { summary = TrainingStageRunner.Train(context, policy, objective, training, config, resume, interruption, cancellationToken, validation); }
        catch (RewardException e) { throw new StageException("SOAR2520", $"stage '{context.Name}': {e.Message}", e); }
        return Result(objective, summary, training, reward.Name, schedule, device.type.ToString().ToLowerInvariant(), threads);
    }

    /// <summary>The optimizer, step and checkpoint options (shared with every trainer) and the Flow-GRPO ones.</summary>
    public static (TrainingOptions Training, FlowGrpoOptions FlowGrpo) ReadOptions(StageContext c)
    {
        var options = new FlowGrpoOptions
        {
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
            Seed = c.Long("Seed"),
            CollapsePatience = c.Int("CollapsePatience"),
        };
        var training = new TrainingOptions
        {
            Steps = c.Int("Steps"),
            BatchSize = options.RolloutsPerStep,
            LearningRate = c.Double("LearningRate"),
            WeightDecay = c.Double("WeightDecay"),
            Beta1 = c.Double("Beta1"),
            Beta2 = c.Double("Beta2"),
            GradClip = c.Double("GradClip"),
            EmaDecay = c.Double("EmaDecay"),
            EmaWarmup = c.Bool("EmaWarmup"),
            CaptionDropout = 0,
            Seed = c.Long("Seed"),
            LogEvery = c.Int("LogEvery"),
            CheckpointEvery = c.Int("CheckpointEvery"),
            GradientCheckpointing = c.Bool("GradientCheckpointing"),
        };
        try { options.Validate(); training.Validate(); }
        catch (ArgumentException e) { throw new StageException("SOAR2501", $"stage '{c.Name}': {e.Message}", e); }
        return (training, options);
    }

    private static IReward CreateReward(StageContext context, string? world)
    {
        var baseDir = context.Spec.ProjectPath is { } p ? Path.GetDirectoryName(Path.GetFullPath(p))! : Directory.GetCurrentDirectory();
        try { return RewardCatalog.Create(context.String("Reward"), world, baseDir, TimeSpan.FromSeconds(context.Double("RewardTimeout"))); }
        catch (RewardException e) { throw new StageException("SOAR2502", $"stage '{context.Name}': parameter Reward: {e.Message}", e); }
    }

    private static JsonObject BuildConfig(JsonObject baseConfig, TrainingOptions training, FlowGrpoOptions options, string schedule, string reward, string prompts, string baseModel)
    {
        // Architecture, tokenizer and dataset/world lineage carry over, so sample/eval/next stages load it like any model.
        var config = baseConfig.DeepClone().AsObject();
        var lineage = config["lineage"] as JsonArray ?? new JsonArray();
        var described = JsonSerializer.SerializeToNode(options)!.AsObject();
        described["schedule"] = schedule;
        lineage.Add(new JsonObject
        {
            ["objective"] = FlowGrpoObjective.ObjectiveName, ["steps"] = training.Steps, ["reward"] = reward, ["prompts"] = prompts, ["seed"] = training.Seed,
            ["training"] = JsonSerializer.SerializeToNode(training), ["options"] = described,
        });
        config["lineage"] = lineage;
        config["objective"] = FlowGrpoObjective.ObjectiveName;
        config["training"] = JsonSerializer.SerializeToNode(training);
        config["flow_grpo"] = described.DeepClone();
        config["reward"] = reward;
        config["base_model"] = baseModel;
        return config;
    }

    private static StageResult Result(FlowGrpoObjective objective, TrainingSummary summary, TrainingOptions training, string reward, string schedule, string device, int threads)
    {
        var options = objective.Options;
        var result = new StageResult();
        var means = objective.MeanRewards;
        int tail = Math.Max(1, means.Count / 10);
        result.Metrics["first_reward"] = means.Take(tail).Average();
        result.Metrics["final_reward"] = means.TakeLast(tail).Average();
        result.Metrics["steps"] = training.Steps;
        result.Metrics["skipped_steps"] = objective.SkippedSteps;
        result.Metrics["rollout_images_per_s"] = means.Count * options.RolloutsPerStep / objective.RolloutTime.TotalSeconds;
        result.Metrics["update_s_per_step"] = (summary.Elapsed - objective.RolloutTime).TotalSeconds / Math.Max(1, means.Count - objective.SkippedSteps);
        result.Seeds["training"] = training.Seed;
        result.Notes["objective"] = FlowGrpoObjective.ObjectiveName;
        result.Notes["reward"] = reward;
        result.Notes["flow_grpo"] = $"G={options.GroupSize} prompts/step={options.PromptsPerStep} T={options.SdeSteps} ({schedule}) trained={options.TrainedTimesteps} a={options.NoiseLevel} clip={options.ClipRange} beta={options.Beta} cfg={options.Cfg}";
        result.Notes["device"] = device;
        result.Notes["threads"] = threads.ToString();
        return result;
    }
}
