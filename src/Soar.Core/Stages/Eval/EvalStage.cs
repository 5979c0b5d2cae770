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
/// Kind "eval": samples every prompt set (in-distribution and held-out by default, <see cref="EvalPromptSets"/>) from
/// every upstream checkpoint (one arm each, paired noise), scores them per set (GenEval on shapes, OCR on glyphs),
/// runs the drift-recovery test on one set, measures a Fréchet distance to real images, and writes metrics.json,
/// grids/ and a self-contained report.html. Several arms make a comparison report.
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
        long inDistributionStream = (long)SplitMix64.Derive(seed, InDistributionPrompts.Stream, 0);
        var sets = ResolveSets(context, armInputs, world, datasetInput, inDistributionStream);
        var scorer = WorldScorer.For(worldName);
        if (scorer is not null && !sets.SelectMany(s => s.Prompts).Any(p => scorer.CanScore(p.Caption, p.Spec))) scorer = null;
        // Drift recovery runs on one set: the held-out compositions when evaluated (as before sets existed), else the first.
        var driftSet = sets.FirstOrDefault(s => s.Name == EvalPromptSet.HeldOut) ?? sets[0];
        DriftPlan drift;
        try { drift = DriftPlan.Parse(context.String("DriftSteps"), steps, context.Double("DriftNorm"), context.String("DriftMode")); }
        catch (ArgumentException e) { throw new StageException("SOAR2402", $"stage '{context.Name}': {e.Message}", e); }
        if (driftSamples > samples)
            throw new StageException("SOAR2402", $"stage '{context.Name}': DriftSamples={driftSamples} exceeds SamplesPerPrompt={samples}; the drift test perturbs some of the evaluation's own trajectories");
        if (driftSamples == 0) drift = drift with { Steps = [] };
        context.Log.Info($"evaluating {armInputs.Count} arm(s) on world '{worldName}': {string.Join(", ", sets.Select(s => $"{s.Name} {s.Prompts.Count} prompts"))} x {samples} samples, {steps} Euler steps, CFG {cfg}, seed {seed}; scorer {scorer?.Metric ?? "none"}; drift on {driftSet.Name} at steps [{string.Join(", ", drift.Steps)}] ({drift.Mode}, norm {drift.Norm})");

        var phases = new PhaseTimes();
        var reference = frechetSamples > 0 ? phases.Time("real_images", () => LoadReference(context, world, datasetInput, frechetSamples, seed, cancellationToken)) : null;
        using var features = reference is null ? null : phases.Time("feature_network", () => TrainFeatures(context, reference.Value.Train, device, seed, cancellationToken));
        var realFeatures = reference is null ? null : phases.Time("frechet", () => features!.Extract(reference.Value.Reference.Select(r => r.Image).ToList()));

        var arms = new List<ArmResult>();
        int? imageSize = null;
        foreach (var input in armInputs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var model = TrainedModel.Load(input.Dir, device, useEma);
            model.PreparePrompts(sets.Append(driftSet).SelectMany(s => s.Prompts.Select(p => p.Caption)), context.Log.Info);
            int size = model.ImageSize;
            if (imageSize is { } expected && expected != size)
                throw new StageException("SOAR2403", $"stage '{context.Name}': arm '{input.Name}' makes {size}x{size} images, earlier arms {expected}x{expected}; paired arms must share the image size");
            if (features is not null && features.ImageSize != size)
                throw new StageException("SOAR2403", $"stage '{context.Name}': arm '{input.Name}' makes {size}x{size} images but the real images are {features.ImageSize}x{features.ImageSize}");
            imageSize = size;
            arms.Add(EvaluateArm(context, input, model, sets, driftSet, scorer, drift, samples, driftSamples, steps, cfg, seed, device, features, realFeatures, reference?.Reference, phases, cancellationToken));
        }

        var run = new EvalRun(context.Name, worldName, scorer?.Metric, sets, samples, context.ResolvedParameters, arms, seed, [], drift.Steps.Count > 0 ? driftSet.Name : null);
        var result = phases.Time("report", () =>
        {
            run = run with { Groups = GroupStatistics.Measure(run, groups), RealImages = RealImagesOf(datasetInput, sets, cancellationToken) };
            return WriteOutputs(context, run, features);
        });
        result.Phases.AddAll(phases);
        context.Log.Info($"eval time by phase: {phases.Describe()}");
        if (sets.Any(s => s.Name == EvalPromptSet.InDistribution) && world is not null) result.Seeds["in_distribution_prompts"] = inDistributionStream;
        return result;
    }

    /// <summary>The Prompts parameter's sets; in-distribution captions are drawn so that every arm's vocabulary can write them.</summary>
    private static IReadOnlyList<EvalPromptSet> ResolveSets(StageContext context, List<StageInput> armInputs, IWorld? world, StageInput? datasetInput, long stream)
    {
        IReadOnlyList<EvalPrompt> DrawInDistribution(IWorld w)
        {
            var architectures = armInputs.Select(a => ReadArchitecture(a.Dir)).ToList();
            int count = context.Int("InDistributionPrompts");
            var (prompts, unwritable) = InDistributionPrompts.Draw(w, count, stream, architectures[0].Model.ImageSize,
                caption => architectures.All(a => a.Tokenizer.TryEncode(caption, out _, out _)), context.Name);
            if (unwritable > 0) context.Log.Info($"in_distribution: {unwritable} drawn captions use words some arm never saw and were drawn again");
            return prompts;
        }
        var source = new EvalPromptSets.Source(world, datasetInput?.Dir, context.Int("PromptsPerTask"), DrawInDistribution);
        return EvalPromptSets.Resolve(context.String("Prompts"), source, context.Log, context.Name);
    }

    private ArmResult EvaluateArm(StageContext context, StageInput input, TrainedModel model, IReadOnlyList<EvalPromptSet> sets, EvalPromptSet driftSet,
        WorldScorer? scorer, DriftPlan drift, int samples, int driftSamples, int steps, double cfg, long seed, Device device, FeatureSpace? features,
        double[][]? realFeatures, IReadOnlyList<(RgbImage Image, string Caption)>? reference, PhaseTimes phases, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var sampler = new ArmSampler(model, steps, cfg, seed, device, context.String("Schedule"), PrecisionNames.Parse(context.String("Precision")));
        ImageVerdict? Judge(RgbImage image, EvalPrompt prompt) =>
            scorer is not null && scorer.CanScore(prompt.Caption, prompt.Spec) ? scorer.Score(image, prompt.Caption, prompt.Spec) : null;
        var itemsBySet = new Dictionary<string, IReadOnlyList<EvalItem>>();
        var driftRuns = new List<DriftRun>();
        foreach (var set in sets)
        {
            var prompts = set.Prompts;
            var captions = new List<string>();
            var noiseIndex = new List<long>();
            var keys = new List<(int Prompt, int Sample)>();
            for (int p = 0; p < prompts.Count; p++)
                for (int k = 0; k < samples; k++) { captions.Add(prompts[p].Caption); noiseIndex.Add(p * PromptStride + k); keys.Add((p, k)); }
            // Each set has its own noise stream, the same for every arm: differences between arms stay paired.
            string stream = NoiseStream(set);
            bool isDriftSet = set.Name == driftSet.Name;
            var (images, states) = phases.Time("sampling", () => sampler.Sample(captions, noiseIndex, stream, isDriftSet ? drift.Steps : [], i => isDriftSet && keys[i].Sample < driftSamples, ct));
            var items = phases.Time("scoring", () => keys.Select((key, i) => new EvalItem(key.Prompt, key.Sample, images[i], Judge(images[i], prompts[key.Prompt]))).ToList());
            itemsBySet[set.Name] = items;
            context.Log.Info($"arm '{input.Name}': {set.Name}: {items.Count} images in {clock.Elapsed.TotalSeconds:F1} s");
            if (!isDriftSet) continue;

            var driftItems = Enumerable.Range(0, keys.Count).Where(i => keys[i].Sample < driftSamples).ToArray();
            var driftClock = System.Diagnostics.Stopwatch.StartNew();
            foreach (int j in drift.Steps)
            {
                var start = driftItems.Select(i => drift.Mode == DriftPlan.CoarseMode
                    ? sampler.CoarseState(captions[i], stream, noiseIndex[i], j)
                    : ArmSampler.Add(states[(i, j)], Perturbation.Draw(seed, noiseIndex[i] * 64 + j, states[(i, j)].Length, drift.Norm))).ToList();
                var perturbed = sampler.Finish(start, driftItems.Select(i => captions[i]).ToList(), j, ct);
                var clean = driftItems.Select(i => images[i]).ToArray();
                driftRuns.Add(new DriftRun(j, j / (double)steps, sampler.Sigma(j), driftItems, clean, perturbed,
                    driftItems.Select(i => items[i].Verdict).ToArray(),
                    driftItems.Select((i, r) => Judge(perturbed[r], prompts[keys[i].Prompt])).ToArray(),
                    clean.Zip(perturbed, DriftRun.RmsDistance).ToArray()));
                context.Log.Info($"arm '{input.Name}': drift at step {j}/{steps} (sigma {sampler.Sigma(j):F3}) on {driftItems.Length} {set.Name} trajectories");
            }
            phases.Add("drift", driftClock.Elapsed.TotalSeconds);
        }

        FrechetResult? frechet = null;
        if (features is not null && reference is not null && realFeatures is not null)
        {
            var frechetClock = System.Diagnostics.Stopwatch.StartNew();
            var (generated, _) = sampler.Sample(reference.Select(r => r.Caption).ToList(), Enumerable.Range(0, reference.Count).Select(i => (long)i).ToList(),
                "eval-frechet-noise", [], _ => false, ct);
            var fake = features.Extract(generated);
            double distance = FrechetDistance.Compute(fake, realFeatures);
            int n = fake.Length;
            var strata = Enumerable.Repeat(0, n).Concat(Enumerable.Repeat(1, realFeatures.Length)).ToArray();
            var (lo, hi) = Bootstrap.Interval(strata, idx => FrechetDistance.Compute(
                idx.Where(i => i < n).Select(i => fake[i]).ToList(), idx.Where(i => i >= n).Select(i => realFeatures[i - n]).ToList()), seed, replicates: 200);
            frechet = new FrechetResult(distance, lo, hi, n, realFeatures.Length);
            phases.Add("frechet", frechetClock.Elapsed.TotalSeconds);
            context.Log.Info($"arm '{input.Name}': Fréchet distance {distance:F4} ({n} generated vs {realFeatures.Length} real)");
        }
        return new ArmResult(input.Name, TrainedModel.ResolveCheckpointDir(input.Dir), itemsBySet, driftRuns, frechet);
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

    /// <summary>The validation split's image of every prompt that is one of its captions (the first row of a caption).</summary>
    private static Dictionary<string, RgbImage> RealImagesOf(StageInput? datasetInput, IReadOnlyList<EvalPromptSet> sets, CancellationToken ct)
    {
        var result = new Dictionary<string, RgbImage>(StringComparer.Ordinal);
        if (datasetInput is null) return result;
        var wanted = sets.SelectMany(s => s.Prompts).Select(p => p.Caption).ToHashSet(StringComparer.Ordinal);
        DatasetReader reader;
        // A dataset without a validation split (ValidationFraction=0) has no held-back images to show.
        try { reader = DatasetReader.Open(Path.Combine(datasetInput.Dir, "data"), CurateStage.ValidationSplit); }
        catch (InvalidDataException) { return result; }
        foreach (var row in reader.Read(ct))
            if (wanted.Contains(row.Caption) && !result.ContainsKey(row.Caption)) result[row.Caption] = row.DecodeImage();
        return result;
    }

    private static int ReadImageSize(string dir) => ReadArchitecture(dir).Model.ImageSize;

    private static (ModelConfig Model, Text.CaptionTokenizer Tokenizer) ReadArchitecture(string dir)
    {
        var reader = Checkpoints.CheckpointReader.Open(TrainedModel.ResolveCheckpointDir(dir));
        return TrainedModel.ReadArchitecture(reader.Config, reader.Directory);
    }

    /// <summary>The starting-noise stream of a set's items (SplitMix64 stream name, with the eval's Seed).</summary>
    public static string NoiseStream(EvalPromptSet set) => $"eval-noise/{set.Name}";

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
            if (run.Metric is { } metric)
                foreach (var set in run.Sets) result.Metrics[$"{arm.Name}.{set.Name}.{metric}"] = EvalStatistics.MainScore(run, set, arm);
            if (arm.Frechet is { } f) result.Metrics[$"{arm.Name}.frechet"] = f.Distance;
            foreach (var d in arm.Drift) result.Metrics[$"{arm.Name}.drift_distance.step{d.Step}"] = d.Distances.Average();
        }
        foreach (var group in run.Groups)
        {
            if (run.Metric is { } metric)
                foreach (var (set, values) in group.PerSet)
                    if (values.TryGetValue(metric, out var perArm)) result.Metrics[$"group.{group.Name}.{set}.{metric}"] = perArm.Average();
            if (group.PerArm.TryGetValue("frechet", out var frechet)) result.Metrics[$"group.{group.Name}.frechet"] = frechet.Average();
        }
        result.Metrics["images"] = run.Arms.Sum(a => a.ImageCount);
        result.Seeds["noise"] = run.Seed;
        result.Notes["world"] = run.World;
        return result;
    }
}
