using Soar.Core.Data;
using Soar.Core.Devices;
using Soar.Core.Eval.Distance;
using Soar.Core.Eval.Drift;
using Soar.Core.Eval.Report;
using Soar.Core.Eval.Scoring;
using Soar.Core.Imaging;
using Soar.Core.Models;
using Soar.Core.Stages.Curate;
using Soar.Core.Training;
using Soar.Core.Worlds;
using static TorchSharp.torch;

namespace Soar.Core.Stages.Eval;

/// <summary>
/// Kind "eval": samples the evaluation prompts from every upstream checkpoint (one arm each, paired noise), scores
/// them (GenEval on shapes, OCR on glyphs), runs the drift-recovery test, measures a Fréchet distance to real images,
/// and writes metrics.json, grids/ and a self-contained report.html. Several arms make a comparison report.
/// </summary>
public sealed class EvalStage : IStage
{
    public const string MetricsFile = "metrics.json";
    public const string ReportFile = "report.html";
    public const string GridsFolder = "grids";
    public const string FeatureNetworkFile = "feature-network.safetensors";
    private const long PromptStride = 100_000;

    public string Kind => "eval";

    public StageResult Run(StageContext context, CancellationToken cancellationToken)
    {
        var device = ComputeDevice.Resolve(context.String("Device"));
        ComputeDevice.ConfigureThreads(0);
        var datasetInput = context.FindInput(i => File.Exists(Path.Combine(i.Dir, CurateStage.ManifestFileName)));
        var armInputs = context.Spec.Inputs.Where(i => i != datasetInput && TrainedModel.IsCheckpoint(i.Dir)).ToList();
        if (armInputs.Count == 0)
            throw new StageException("SOAR2401", $"stage '{context.Name}' needs at least one trained model (an sft/soar stage or checkpoint folder) as an upstream; it has: {(context.Spec.Inputs.Count == 0 ? "none" : string.Join(", ", context.Spec.Inputs.Select(i => i.Name)))}");
        if (armInputs.Select(a => a.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() != armInputs.Count)
            throw new StageException("SOAR2403", $"stage '{context.Name}': two upstream models share a name; arms are named after their stages");

        var groups = ArmGroup.Parse(context.String("Groups"), armInputs.Select(a => a.Name).ToList(), context.Name);
        var dataset = datasetInput is null ? null : CuratedDatasetInfo.Load(datasetInput.Dir);
        int steps = context.Int("Steps"), samples = context.Int("SamplesPerPrompt"), driftSamples = context.Int("DriftSamples");
        int frechetSamples = context.Int("FrechetSamples");
        double cfg = context.Double("Cfg");
        long seed = context.Long("Seed");
        bool useEma = context.Bool("UseEma");
        var worldName = ResolveWorld(context, armInputs, dataset);
        WorldCatalog.TryGet(worldName, out var world);
        var prompts = EvalPromptSet.Resolve(context.String("Prompts"), world, datasetInput?.Dir, context.Int("PromptsPerTask"), context.Name);
        var scorer = WorldScorer.For(worldName);
        if (scorer is not null && !prompts.Any(p => scorer.CanScore(p.Caption, p.Spec))) scorer = null;
        DriftPlan drift;
        try { drift = DriftPlan.Parse(context.String("DriftSteps"), steps, context.Double("DriftNorm"), context.String("DriftMode")); }
        catch (ArgumentException e) { throw new StageException("SOAR2402", $"stage '{context.Name}': {e.Message}", e); }
        if (driftSamples > samples)
            throw new StageException("SOAR2402", $"stage '{context.Name}': DriftSamples={driftSamples} exceeds SamplesPerPrompt={samples}; the drift test perturbs some of the evaluation's own trajectories");
        if (driftSamples == 0) drift = drift with { Steps = [] };
        context.Log.Info($"prompts: {EvalPromptSet.Describe(context.String("Prompts"), world, datasetInput?.Name)}, {prompts.Count} of them");
        context.Log.Info($"evaluating {armInputs.Count} arm(s) on world '{worldName}': {prompts.Count} prompts x {samples} samples, {steps} Euler steps, CFG {cfg}, seed {seed}; scorer {scorer?.Metric ?? "none"}; drift at steps [{string.Join(", ", drift.Steps)}] ({drift.Mode}, norm {drift.Norm})");

        var reference = frechetSamples > 0 ? LoadReference(context, world, datasetInput, frechetSamples, seed, cancellationToken) : null;
        using var features = reference is null ? null : TrainFeatures(context, reference.Value.Train, device, seed, cancellationToken);
        var realFeatures = reference is null ? null : features!.Extract(reference.Value.Reference.Select(r => r.Image).ToList());

        var arms = new List<ArmResult>();
        int? imageSize = null;
        foreach (var input in armInputs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var model = TrainedModel.Load(input.Dir, device, useEma);
            int size = model.Network.Config.ImageSize;
            if (imageSize is { } expected && expected != size)
                throw new StageException("SOAR2403", $"stage '{context.Name}': arm '{input.Name}' makes {size}x{size} images, earlier arms {expected}x{expected}; paired arms must share the image size");
            if (features is not null && features.ImageSize != size)
                throw new StageException("SOAR2403", $"stage '{context.Name}': arm '{input.Name}' makes {size}x{size} images but the real images are {features.ImageSize}x{features.ImageSize}");
            imageSize = size;
            arms.Add(EvaluateArm(context, input, model, prompts, scorer, drift, samples, driftSamples, steps, cfg, seed, device, features, realFeatures, reference?.Reference, cancellationToken));
        }

        var run = new EvalRun(context.Name, worldName, scorer?.Metric, prompts, samples, context.ResolvedParameters, arms, seed, []);
        run = run with { Groups = GroupStatistics.Measure(run, groups) };
        return WriteOutputs(context, run, features);
    }

    private ArmResult EvaluateArm(StageContext context, StageInput input, TrainedModel model, IReadOnlyList<EvalPrompt> prompts, WorldScorer? scorer,
        DriftPlan drift, int samples, int driftSamples, int steps, double cfg, long seed, Device device, FeatureSpace? features,
        double[][]? realFeatures, IReadOnlyList<(RgbImage Image, string Caption)>? reference, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sampler = new ArmSampler(model, steps, cfg, seed, device, context.String("Schedule"));
        var captions = new List<string>();
        var noiseIndex = new List<long>();
        var keys = new List<(int Prompt, int Sample)>();
        for (int p = 0; p < prompts.Count; p++)
            for (int k = 0; k < samples; k++) { captions.Add(prompts[p].Caption); noiseIndex.Add(p * PromptStride + k); keys.Add((p, k)); }
        var (images, states) = sampler.Sample(captions, noiseIndex, "eval-noise", drift.Steps, i => keys[i].Sample < driftSamples, ct);
        ImageVerdict? Judge(RgbImage image, EvalPrompt prompt) =>
            scorer is not null && scorer.CanScore(prompt.Caption, prompt.Spec) ? scorer.Score(image, prompt.Caption, prompt.Spec) : null;
        var items = keys.Select((key, i) => new EvalItem(key.Prompt, key.Sample, images[i], Judge(images[i], prompts[key.Prompt]))).ToList();
        context.Log.Info($"arm '{input.Name}': {items.Count} images in {clock.Elapsed.TotalSeconds:F1} s");

        var driftRuns = new List<DriftRun>();
        var driftItems = Enumerable.Range(0, keys.Count).Where(i => keys[i].Sample < driftSamples).ToArray();
        foreach (int j in drift.Steps)
        {
            var start = driftItems.Select(i => drift.Mode == DriftPlan.CoarseMode
                ? sampler.CoarseState(captions[i], "eval-noise", noiseIndex[i], j)
                : ArmSampler.Add(states[(i, j)], Perturbation.Draw(seed, noiseIndex[i] * 64 + j, states[(i, j)].Length, drift.Norm))).ToList();
            var perturbed = sampler.Finish(start, driftItems.Select(i => captions[i]).ToList(), j, ct);
            var clean = driftItems.Select(i => images[i]).ToArray();
            driftRuns.Add(new DriftRun(j, j / (double)steps, sampler.Sigma(j), driftItems, clean, perturbed,
                driftItems.Select(i => items[i].Verdict).ToArray(),
                driftItems.Select((i, r) => Judge(perturbed[r], prompts[keys[i].Prompt])).ToArray(),
                clean.Zip(perturbed, DriftRun.RmsDistance).ToArray()));
            context.Log.Info($"arm '{input.Name}': drift at step {j}/{steps} (sigma {sampler.Sigma(j):F3}) on {driftItems.Length} trajectories");
        }

        FrechetResult? frechet = null;
        if (features is not null && reference is not null && realFeatures is not null)
        {
            var (generated, _) = sampler.Sample(reference.Select(r => r.Caption).ToList(), Enumerable.Range(0, reference.Count).Select(i => (long)i).ToList(),
                "eval-frechet-noise", [], _ => false, ct);
            var fake = features.Extract(generated);
            double distance = FrechetDistance.Compute(fake, realFeatures);
            int n = fake.Length;
            var strata = Enumerable.Repeat(0, n).Concat(Enumerable.Repeat(1, realFeatures.Length)).ToArray();
            var (lo, hi) = Bootstrap.Interval(strata, idx => FrechetDistance.Compute(
                idx.Where(i => i < n).Select(i => fake[i]).ToList(), idx.Where(i => i >= n).Select(i => realFeatures[i - n]).ToList()), seed, replicates: 200);
            frechet = new FrechetResult(distance, lo, hi, n, realFeatures.Length);
            context.Log.Info($"arm '{input.Name}': Fréchet distance {distance:F4} ({n} generated vs {realFeatures.Length} real)");
        }
        return new ArmResult(input.Name, TrainedModel.ResolveCheckpointDir(input.Dir), items, driftRuns, frechet);
    }

    private static string ResolveWorld(StageContext context, List<StageInput> arms, CuratedDatasetInfo? dataset)
    {
        var worlds = arms.Select(a => (a.Name, World: ReadWorld(a.Dir))).ToList();
        var name = dataset?.World ?? worlds.Select(w => w.World).FirstOrDefault(w => w is not null) ?? "custom";
        foreach (var (arm, w) in worlds)
            if (w is not null && !w.Equals(name, StringComparison.OrdinalIgnoreCase))
                throw new StageException("SOAR2403", $"stage '{context.Name}': arm '{arm}' was trained on world '{w}' but the evaluation is on '{name}'; evaluate arms of one world together");
        return name.ToLowerInvariant();
    }

    private static string? ReadWorld(string dir)
    {
        var config = Checkpoints.CheckpointReader.Open(TrainedModel.ResolveCheckpointDir(dir)).Config;
        return config["dataset"]?["world"]?.GetValue<string>();
    }

    /// <summary>Real images: the feature network's training set and the reference set the distance compares with.</summary>
    private static (List<(RgbImage Image, string Caption)> Train, List<(RgbImage Image, string Caption)> Reference)? LoadReference(
        StageContext context, IWorld? world, StageInput? datasetInput, int count, long seed, CancellationToken ct)
    {
        const int MaxTrain = 2048;
        List<(RgbImage Image, string Caption)> rows;
        if (datasetInput is not null)
            rows = DatasetReader.Open(Path.Combine(datasetInput.Dir, "data")).Read(ct).Select(r => (r.DecodeImage(), r.Caption)).ToList();
        else if (world is not null)
        {
            // No dataset upstream: fresh training samples of the world, from a stream no training stage uses.
            int size = ReadImageSize(context.Spec.Inputs.First(i => TrainedModel.IsCheckpoint(i.Dir)).Dir);
            rows = world.Sample((long)SplitMix64.Derive(seed, "eval-real", 0), Math.Max(count, 512), size).Select(s => (s.Image, s.Caption)).ToList();
        }
        else throw new StageException("SOAR2405", $"stage '{context.Name}': the Fréchet distance needs real images; add the curate stage as an upstream, or set FrechetSamples=0");
        // A seeded shuffle picks the reference rows, so the set does not depend on file order alone.
        var rng = new SplitMix64(SplitMix64.Derive(seed, "eval-reference", rows.Count));
        var order = Enumerable.Range(0, rows.Count).OrderBy(_ => rng.NextUInt64()).ToArray();
        var reference = order.Take(Math.Min(count, rows.Count)).Select(i => rows[i]).ToList();
        if (reference.Count < count) context.Log.Warning("SOAR2406", $"FrechetSamples={count} but the dataset has only {rows.Count} images; using {reference.Count}");
        return (order.Take(MaxTrain).Select(i => rows[i]).ToList(), reference);
    }

    private static int ReadImageSize(string dir)
    {
        var reader = Checkpoints.CheckpointReader.Open(TrainedModel.ResolveCheckpointDir(dir));
        return TrainedModel.ReadArchitecture(reader.Config, reader.Directory).Model.ImageSize;
    }

    private static FeatureSpace TrainFeatures(StageContext context, List<(RgbImage Image, string Caption)> train, Device device, long seed, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var space = FeatureSpace.Train(train.Select(t => t.Image).ToList(), train.Select(t => t.Caption).ToList(), seed, device, context.Int("FeatureSteps"), cancellationToken: ct);
        context.Log.Info($"feature network: {context.Int("FeatureSteps")} steps on {train.Count} real images in {clock.Elapsed.TotalSeconds:F1} s (final loss {space.FinalLoss:F4})");
        return space;
    }

    private static StageResult WriteOutputs(StageContext context, EvalRun run, FeatureSpace? features)
    {
        var dir = context.OutputDir;
        var grids = EvalGrids.Write(run, Path.Combine(dir, GridsFolder));
        var metrics = EvalMetrics.Build(run, grids.Select(g => Path.GetRelativePath(dir, g).Replace('\\', '/')).ToList());
        AtomicFile.WriteAllText(Path.Combine(dir, MetricsFile), metrics.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        features?.Save(Path.Combine(dir, FeatureNetworkFile));
        AtomicFile.WriteAllText(Path.Combine(dir, ReportFile), EvalReportWriter.Render(run));

        var result = new StageResult();
        foreach (var arm in run.Arms)
        {
            if (run.Metric is { } metric) result.Metrics[$"{arm.Name}.{metric}"] = EvalStatistics.MainScore(run, arm, Enumerable.Range(0, arm.Items.Count));
            if (arm.Frechet is { } f) result.Metrics[$"{arm.Name}.frechet"] = f.Distance;
            foreach (var d in arm.Drift) result.Metrics[$"{arm.Name}.drift_distance.step{d.Step}"] = d.Distances.Average();
        }
        foreach (var group in run.Groups)
            foreach (var (key, s) in GroupStatistics.Summaries(group))
                if (key == run.Metric || key == "frechet") result.Metrics[$"group.{group.Name}.{key}"] = s.Mean;
        result.Metrics["images"] = run.Arms.Sum(a => a.Items.Count);
        result.Seeds["noise"] = run.Seed;
        result.Notes["world"] = run.World;
        return result;
    }
}
