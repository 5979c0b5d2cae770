using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Data;
using Soar.Core.Devices;
using Soar.Core.Logging;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Stages.Curate;
using Soar.Core.Text;
using Soar.Core.Training;
using Soar.Core.Worlds;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Stages.Training;

/// <summary>
/// What every training stage (sft, soar, ...) shares: find the dataset and optional base model among the
/// upstream stages, build or load the model, train with an objective, and write checkpoint/ and logs/.
/// </summary>
public static class TrainingStageRunner
{
    public const string LogsFolder = "logs";

    public static StageResult Run(StageContext context, ITrainingObjective objective, CancellationToken cancellationToken)
    {
        var device = ComputeDevice.Resolve(context.String("Device"));
        int threads = ComputeDevice.ConfigureThreads(context.Int("Threads"));
        var options = ReadOptions(context);
        var datasetInput = context.RequireInput(i => File.Exists(Path.Combine(i.Dir, CurateStage.ManifestFileName)), "a curated dataset (a curate stage)");
        var baseInput = Packaging.ModelPackageInput.Resolve(context, context.FindInput(i => i != datasetInput && TrainedModel.IsCheckpoint(i.Dir)));
        var dataset = CuratedDatasetInfo.Load(datasetInput.Dir);
        var lora = LoraParameter.Read(context);

        VelocityModel model;
        CaptionTokenizer tokenizer;
        JsonObject? baseConfig = null;
        var interruption = context.Spec.ResumeDir is { } resumeDir ? new InterruptionCheckpoints(resumeDir) : null;
        // An interrupted attempt of this very run wins over ResumeFrom: it holds the newer progress.
        var resume = interruption?.TryOpen(context.Log) ?? OpenResumeTarget(context);
        if (resume is not null)
        {
            (var architecture, tokenizer) = TrainedModel.ReadArchitecture(resume.Config, resume.Directory);
            model = LoraParameter.Create(context, architecture);
        }
        else if (baseInput is { Kind: Packaging.ModelPackageInput.PipelineKind })
        {
            model = PipelineBase.Create(context, baseInput.Dir, datasetInput.Dir, lora);
            tokenizer = TrainedModel.PromptRowsTokenizer;
        }
        else if (baseInput is not null)
        {
            var reader = CheckpointReader.Open(TrainedModel.ResolveCheckpointDir(baseInput.Dir));
            (var architecture, tokenizer) = TrainedModel.ReadArchitecture(reader.Config, reader.Directory);
            model = LoraParameter.Create(context, architecture with { Lora = lora });
            // Post-training starts from the base model's weights (EMA ones if it kept them; its adapters merged), with a fresh optimizer.
            LoraParameter.LoadBase(reader, architecture, model, useEma: reader.HasEma);
            baseConfig = reader.Config;
            context.Log.Info($"starting from '{baseInput.Name}' ({architecture.Preset}, {model.ParameterCount():N0} parameters)");
        }
        else
        {
            tokenizer = CaptionTokenizer.Build(CaptionsForVocabulary(datasetInput.Dir, dataset), kind: TokenizerKind(context.String("Tokenizer"), dataset));
            manual_seed((long)SplitMix64.Derive(options.Seed, "init", 0));
            var architecture = ModelRegistry.FromPreset(context.String("Preset"), dataset.ImageSize, tokenizer.Vocabulary.Count, tokenizer.MaxTokens, context.Double("TimestepShift")) with { Lora = lora };
            model = LoraParameter.Create(context, architecture);
            context.Log.Info($"new '{architecture.Preset}' {architecture.Architecture} model: {model.ParameterCount():N0} parameters, {tokenizer.Kind} vocabulary of {tokenizer.Vocabulary.Count} tokens");
        }
        model.to(device);

        var pipeline = model as Models.Pipeline.SD3PipelineModel;
        using var data = pipeline is not null
            ? PipelineBase.LoadTrainingSet(context, pipeline, datasetInput.Dir, device)
            : LoadTrainingSet(datasetInput.Dir, tokenizer, model.Config.ImageSize, device, context, cancellationToken);
        context.Log.Info($"dataset '{datasetInput.Name}': {data.Count} training images; device {device.type}, {threads} threads; {options.Steps} steps of {options.BatchSize}");
        if (options.BatchSize > data.Count)
            throw new StageException("SOAR2108", $"stage '{context.Name}': BatchSize={options.BatchSize} is larger than the {data.Count} training images of '{datasetInput.Name}'; set BatchSize to at most {data.Count} or curate more rows");

        using var empty = pipeline is not null ? PipelineBase.EmptyRow(device) : TrainedModel.EmptyIds(tokenizer, 1, device);
        // A resumed run keeps the record of the run it continues.
        var config = resume is not null ? resume.Config.DeepClone().AsObject()
            : BuildConfig(model.Config, pipeline is null ? tokenizer : null, options, objective, datasetInput, dataset, baseInput, baseConfig);
        if (resume is null) WithoutUnfingerprinted(context, config);
        if (pipeline is not null && context.Int("ValidationEvery") > 0)
            context.Log.Warning("SOAR2112", $"stage '{context.Name}': ValidationEvery is not supported on a diffusers pipeline base yet; no validation images are drawn (use a sample stage)");
        var validation = pipeline is not null ? null : ValidationSamples.Create(context, tokenizer, dataset.World, datasetInput.Dir, options);
        var summary = Train(context, model, new DatasetSteps(objective, data, options, empty), options, config, resume, interruption, cancellationToken, validation);

        var result = new StageResult();
        int tail = Math.Max(1, summary.Losses.Count / 10);
        result.Metrics["final_loss"] = summary.Losses.TakeLast(tail).Average();
        result.Metrics["first_loss"] = summary.Losses.Take(tail).Average();
        result.Metrics["steps"] = options.Steps;
        result.Metrics["parameters"] = model.ParameterCount();
        result.Metrics["images_per_s"] = options.Steps * options.BatchSize / summary.Elapsed.TotalSeconds;
        result.Seeds["training"] = options.Seed;
        result.Notes["device"] = device.type.ToString().ToLowerInvariant();
        result.Notes["threads"] = threads.ToString();
        result.Notes["objective"] = objective.Name;
        pipeline?.Prompts?.Dispose();
        model.Dispose();
        return result;
    }

    /// <summary>
    /// Runs the one trainer over a step source and writes checkpoint/ and logs/: periodic checkpoints into the resume
    /// folder (or checkpoint/ when there is none), the resume point's weights, EMA, optimizer and step restored first,
    /// and the final checkpoint at Steps.
    /// </summary>
    public static TrainingSummary Train(StageContext context, VelocityModel model, IStepSource steps, TrainingOptions options, JsonObject config,
        CheckpointReader? resume, InterruptionCheckpoints? interruption, CancellationToken cancellationToken, ValidationSamples? validation = null)
    {
        var trainer = new FlowTrainer(model, steps, options, context.Log);
        context.Log.Info(TrainingMemory.Of(model, options, steps.RowsPerForward(options)).Describe());
        var checkpointDir = Path.Combine(context.OutputDir, TrainedModel.CheckpointFolder);
        var logsDir = Path.Combine(context.OutputDir, LogsFolder);
        if (resume is not null) interruption?.RestoreMetrics(Path.Combine(logsDir, MetricsLog.JsonlFileName));
        using var metrics = new MetricsLog(logsDir);
        trainer.OnMetrics = (step, values) => metrics.Record(step, values);
        if (validation is not null) trainer.AfterStep = step => validation.After(step, trainer.Ema?.Model ?? model, logsDir, metrics);
        void SaveTo(string dir, int step) => CheckpointWriter.Save(dir, model, trainer.Ema?.Model, trainer.Optimizer, config, new TrainerState(step));
        trainer.OnCheckpoint = step =>
        {
            if (interruption is not null) interruption.Save(dir => SaveTo(dir, step), metrics.JsonlPath);
            else SaveTo(checkpointDir, step);
        };
        int startStep = 0;
        if (resume is not null)
        {
            resume.LoadInto(model, trainer.Ema?.Model, trainer.Optimizer);
            startStep = (int)resume.State.Step;
            if (startStep > options.Steps)
                throw new StageException("SOAR2104", $"stage '{context.Name}': the resume checkpoint is at step {startStep}, beyond Steps={options.Steps}");
            context.Log.Info($"resuming from {resume.Directory} at step {startStep}");
        }
        var summary = trainer.Train(startStep, options.Steps, cancellationToken);
        SaveTo(checkpointDir, options.Steps);
        LoraParameter.Export(model, context.OutputDir);
        trainer.Ema?.Dispose();
        return summary;
    }

    /// <summary>LogEvery and other logging knobs stay out of the checkpoint bytes (config.json's training record and its lineage entry).</summary>
    public static void WithoutUnfingerprinted(StageContext context, JsonObject config)
    {
        context.KindInfo.WithoutUnfingerprinted(config["training"]);
        if (config["lineage"] is JsonArray { Count: > 0 } lineage) context.KindInfo.WithoutUnfingerprinted(lineage[^1]?["training"]);
    }

    /// <summary>The ResumeFrom checkpoint, or null; a path that does not exist is an error, never a fresh start.</summary>
    private static CheckpointReader? OpenResumeTarget(StageContext context)
    {
        var raw = context.String("ResumeFrom");
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var baseDir = context.Spec.ProjectPath is { } p ? Path.GetDirectoryName(Path.GetFullPath(p))! : Directory.GetCurrentDirectory();
        var path = Path.GetFullPath(raw, baseDir);
        try
        {
            return CheckpointReader.Open(TrainedModel.ResolveCheckpointDir(path));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            throw new StageException("SOAR2102", $"stage '{context.Name}': ResumeFrom='{raw}' cannot be resumed: {e.Message}", e);
        }
    }

    public static TrainingOptions ReadOptions(StageContext c) => new()
    {
        Steps = c.Int("Steps"),
        BatchSize = c.Int("BatchSize"),
        GradAccumulation = c.Int("GradAccumulation"),
        LearningRate = c.Double("LearningRate"),
        WarmupSteps = c.Int("WarmupSteps"),
        LrSchedule = c.String("LrSchedule"),
        Precision = PrecisionNames.Parse(c.String("Precision")),
        GradientCheckpointing = c.Bool("GradientCheckpointing"),
        WeightDecay = c.Double("WeightDecay"),
        Beta1 = c.Double("Beta1"),
        Beta2 = c.Double("Beta2"),
        GradClip = c.Double("GradClip"),
        EmaDecay = c.Double("EmaDecay"),
        EmaWarmup = c.Bool("EmaWarmup"),
        CaptionDropout = c.Double("CaptionDropout"),
        Seed = c.Long("Seed"),
        LogEvery = c.Int("LogEvery"),
        CheckpointEvery = c.Int("CheckpointEvery"),
    };

    /// <summary>Captions of both splits plus the world's evaluation prompts, so later sampling never meets an unknown word.</summary>
    /// <summary>The Tokenizer parameter: auto is word-level on a built-in world (its closed grammar), subword on other data.</summary>
    private static string TokenizerKind(string parameter, CuratedDatasetInfo dataset) =>
        parameter.Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? WorldCatalog.TryGet(dataset.World, out _) ? CaptionTokenizer.WordKind : CaptionTokenizer.SubwordKind
            : parameter.ToLowerInvariant();

    private static IEnumerable<string> CaptionsForVocabulary(string datasetDir, CuratedDatasetInfo info)
    {
        foreach (var record in DatasetReader.Open(Path.Combine(datasetDir, "data")).Read()) yield return record.Caption;
        if (WorldCatalog.TryGet(info.World, out var world))
        {
            foreach (var p in world.EvalPrompts()) yield return p.Caption;
            foreach (var p in world.HeldOutPrompts()) yield return p.Caption;
        }
    }

    private static TrainingSet LoadTrainingSet(string datasetDir, CaptionTokenizer tokenizer, int imageSize, Device device, StageContext context, CancellationToken ct)
    {
        var reader = DatasetReader.Open(Path.Combine(datasetDir, "data"), "train");
        var rows = reader.Read(ct).Select(r => (r.DecodeImage(), r.Caption, r.Source));
        return TrainingSet.Create(rows, tokenizer, imageSize, device);
    }

    /// <param name="tokenizer">null for an sd3-pipeline model, whose captions its pipeline's text encoders encode.</param>
    private static JsonObject BuildConfig(ModelConfig model, CaptionTokenizer? tokenizer, TrainingOptions options, ITrainingObjective objective,
        StageInput datasetInput, CuratedDatasetInfo dataset, StageInput? baseInput, JsonObject? baseConfig)
    {
        var lineage = new JsonArray();
        if (baseConfig?["lineage"] is JsonArray earlier) foreach (var e in earlier) lineage.Add(e?.DeepClone());
        lineage.Add(new JsonObject
        {
            ["objective"] = objective.Name, ["steps"] = options.Steps, ["dataset"] = datasetInput.Name, ["seed"] = options.Seed,
            ["training"] = JsonSerializer.SerializeToNode(options), ["options"] = objective.Describe(),
        });
        return new JsonObject
        {
            ["format"] = TrainedModel.Format,
            ["model"] = ModelRegistry.WriteConfig(model),
            ["tokenizer"] = tokenizer is null ? null : TrainedModel.TokenizerJson(tokenizer),
            ["objective"] = objective.Name,
            ["training"] = JsonSerializer.SerializeToNode(options),
            ["dataset"] = new JsonObject { ["stage"] = datasetInput.Name, ["world"] = dataset.World, ["image_size"] = dataset.ImageSize },
            ["base_model"] = baseInput?.Name,
            ["lineage"] = lineage,
        };
    }
}
