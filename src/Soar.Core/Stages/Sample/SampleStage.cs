using System.Text.Json;
using Soar.Core.Devices;
using Soar.Core.Imaging;
using Soar.Core.Models;
using Soar.Core.Sampling;
using Soar.Core.Training;
using Soar.Core.Worlds;
using static TorchSharp.torch;

namespace Soar.Core.Stages.Sample;

/// <summary>
/// Kind "sample": draws images from an upstream model with the Euler ODE sampler and CFG; writes
/// samples/NNNN.png, samples.jsonl (prompt and seed per image) and grid.png.
/// </summary>
public sealed class SampleStage : IStage
{
    public const string GridFile = "grid.png";
    public const string IndexFile = "samples.jsonl";
    public const string ImagesFolder = "samples";

    public string Kind => "sample";

    public StageResult Run(StageContext context, CancellationToken cancellationToken)
    {
        var device = ComputeDevice.Resolve(context.String("Device"));
        int threads = ComputeDevice.ConfigureThreads(0);
        var modelInput = Packaging.ModelPackageInput.Resolve(context, context.FindInput(i => TrainedModel.IsCheckpoint(i.Dir)))
            ?? context.RequireInput(i => TrainedModel.IsCheckpoint(i.Dir), "a trained model (an sft or soar stage, a checkpoint folder, or ModelPackage=\"Id/Version\" with PackageSource)");
        if (modelInput.Kind == Packaging.ModelPackageInput.PipelineKind)
            throw new StageException("SOAR2203", $"stage '{context.Name}': sampling a diffusers pipeline folder itself ('{modelInput.Name}') is not supported yet; sample a model stage trained from it (sft or soar upstream)");
        using var model = TrainedModel.Load(modelInput.Dir, device, context.Bool("UseEma"));
        var datasetInput = context.FindInput(i => File.Exists(Path.Combine(i.Dir, Curate.CurateStage.ManifestFileName)));
        var (prompts, described) = ResolvePrompts(context.String("Prompts"), model, datasetInput, context.Name);
        context.Log.Info($"prompts: {described}, {prompts.Count} of them");
        int count = context.Int("Count"), steps = context.Int("Steps");
        double cfg = context.Double("Cfg");
        long seed = context.Long("Seed");
        var captions = Enumerable.Range(0, count).Select(i => prompts[i % prompts.Count]).ToList();
        model.PreparePrompts(prompts, context.Log.Info);
        context.Log.Info($"sampling {count} images from '{modelInput.Name}' ({steps} Euler steps on the {context.String("Schedule")} schedule, CFG {cfg}, seed {seed}, {threads} threads)");

        var images = new List<RgbImage>();
        const int chunk = 32;
        var started = DateTime.UtcNow;
        for (int start = 0; start < count; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int n = Math.Min(chunk, count - start);
            using var scope = NewDisposeScope();
            var batchCaptions = captions.GetRange(start, n);
            var noise = InitialNoise(seed, start, n, model.Network.Config, device);
            var ids = Encode(model, batchCaptions, device);
            var x = EulerSampler.Sample(model.Network, noise, ids, model.EmptyCaptionIds(), steps, cfg, context.String("Schedule"), cancellationToken: cancellationToken,
                precision: PrecisionNames.Parse(context.String("Precision")));
            images.AddRange(model.ToImages(x));
            var elapsed = DateTime.UtcNow - started;
            context.Log.Progress(start + n, count, new Dictionary<string, double> { ["images_per_s"] = (start + n) / elapsed.TotalSeconds },
                TimeSpan.FromSeconds(elapsed.TotalSeconds / (start + n) * (count - start - n)));
        }

        WriteOutputs(context.OutputDir, images, captions, seed);
        var result = new StageResult();
        result.Metrics["images"] = count;
        result.Seeds["noise"] = seed;
        return result;
    }

    /// <summary>Noise of image i depends only on (seed, i), so batching and counts never change an image.</summary>
    public static Tensor InitialNoise(long seed, int firstIndex, int n, ModelConfig config, Device device)
    {
        var rows = new Tensor[n];
        for (int i = 0; i < n; i++)
        {
            using var g = new Generator(SplitMix64.Derive(seed, "sample-noise", firstIndex + i), CPU);
            rows[i] = randn([1, config.Channels, config.ImageSize, config.ImageSize], generator: g);
        }
        return cat(rows, 0).to(device);
    }

    public static Tensor Encode(TrainedModel model, IReadOnlyList<string> captions, Device device) => model.CaptionIds(captions, device);

    /// <summary>
    /// The Prompts parameter: auto = the world's held-out set, or on custom data the validation captions of the
    /// dataset upstream (what eval does); heldout/eval = the world's sets; validation; or captions separated by '|'.
    /// </summary>
    private static (IReadOnlyList<string> Prompts, string Described) ResolvePrompts(string spec, TrainedModel model, StageInput? dataset, string stage)
    {
        var key = spec.Trim().ToLowerInvariant();
        bool builtIn = model.World is { } name && WorldCatalog.TryGet(name, out _);
        if (key == "auto") key = builtIn ? "heldout" : "validation";
        if (key is "heldout" or "eval")
        {
            if (!builtIn || !WorldCatalog.TryGet(model.World!, out var world))
                throw new StageException("SOAR2202", $"stage '{stage}': Prompts={spec} needs a model trained on a built-in world; this one was trained on '{model.World ?? "unknown"}' data. Use Prompts=validation with the curate stage upstream, or give captions separated by '|'.");
            var set = key == "heldout" ? world.HeldOutPrompts() : world.EvalPrompts();
            return (set.Select(p => p.Caption).ToList(), $"the '{world.Name}' {(key == "heldout" ? "held-out" : "evaluation")} set (Prompts={spec})");
        }
        if (key == "validation")
        {
            if (dataset is null)
                throw new StageException("SOAR2202", $"stage '{stage}': Prompts={spec} on a model trained on '{model.World ?? "unknown"}' data takes the validation captions of its dataset; add the curate stage to Upstream, or give captions separated by '|'.");
            return (Eval.EvalPromptSets.ValidationCaptions(dataset.Dir), $"the validation captions of dataset '{dataset.Name}' (Prompts={spec})");
        }
        var prompts = spec.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (prompts.Length == 0) throw new StageException("SOAR2202", $"stage '{stage}': Prompts is empty");
        return (prompts, "the captions given in Prompts");
    }

    private static void WriteOutputs(string dir, List<RgbImage> images, List<string> captions, long seed)
    {
        var folder = Path.Combine(dir, ImagesFolder);
        Directory.CreateDirectory(folder);
        var lines = new List<string>();
        for (int i = 0; i < images.Count; i++)
        {
            var file = $"{i:0000}.png";
            ImageCodec.SavePng(images[i], Path.Combine(folder, file));
            lines.Add(JsonSerializer.Serialize(new { index = i, file = $"{ImagesFolder}/{file}", prompt = captions[i], seed, noise_stream = "sample-noise" }));
        }
        AtomicFile.WriteAllText(Path.Combine(dir, IndexFile), string.Join('\n', lines) + "\n");
        // Upscaled so a 32-pixel sample is readable, each with its prompt underneath.
        var grid = new ImageGrid { Columns = Math.Min(8, images.Count), Scale = ImageGrid.ReadableScale(images[0].Width) };
        ImageCodec.SavePng(grid.Compose(images, labels: captions), Path.Combine(dir, GridFile));
    }
}
