using Soar.Core.Devices;
using Soar.Core.Imaging;
using Soar.Core.Logging;
using Soar.Core.Models;
using Soar.Core.Sampling;
using Soar.Core.Stages.Eval;
using Soar.Core.Text;
using Soar.Core.Training;
using Soar.Core.Worlds;
using static TorchSharp.torch;

namespace Soar.Core.Stages.Training;

/// <summary>
/// Validation images during training (ValidationEvery): the same prompts from the same noise every N steps, drawn
/// with the weights eval would use (the EMA copy when the stage keeps one), as a labelled grid
/// logs/validation/step-NNNNNN.png and an image in the stage's TensorBoard events. Prompts: a spread of the built-in
/// world's eval prompts, or the dataset's validation captions. Its noise has its own generator, so training draws
/// nothing different and the weights are the same with or without it; logs/ is outside the stage's content hash.
/// </summary>
public sealed class ValidationSamples
{
    public const int MaxPrompts = 8;
    public const int SamplerSteps = 20;
    public const double Cfg = 4.5;
    public const string Folder = "validation";
    public const string TensorBoardTag = "validation/samples";

    private readonly IReadOnlyList<string> _prompts;
    private readonly CaptionTokenizer _tokenizer;
    private readonly int _every;
    private readonly long _seed;
    private readonly Precision _precision;

    private ValidationSamples(IReadOnlyList<string> prompts, CaptionTokenizer tokenizer, int every, long seed, Precision precision)
    {
        _prompts = prompts;
        _tokenizer = tokenizer;
        _every = every;
        _seed = seed;
        _precision = precision;
    }

    public IReadOnlyList<string> Prompts => _prompts;

    /// <summary>The stage's plan, or null when ValidationEvery is 0 or no prompt can be written with the model's tokenizer.</summary>
    public static ValidationSamples? Create(StageContext context, CaptionTokenizer tokenizer, string? world, string? datasetDir, TrainingOptions options)
    {
        int every = context.Int("ValidationEvery");
        if (every <= 0) return null;
        IEnumerable<string> candidates = world is not null && WorldCatalog.TryGet(world, out var w)
            ? Spread(w.EvalPrompts().Select(p => p.Caption).ToList())
            : datasetDir is not null ? EvalPromptSets.ValidationCaptions(datasetDir) : [];
        var prompts = candidates.Where(c => tokenizer.TryEncode(c, out _, out _)).Distinct().Take(MaxPrompts).ToList();
        if (prompts.Count == 0)
        {
            context.Log.Info($"ValidationEvery={every}: no validation prompts (no built-in world and no validation captions); no validation images");
            return null;
        }
        context.Log.Info($"validation images every {every} steps: {prompts.Count} prompts, {SamplerSteps} Euler steps, CFG {Cfg}, in {TrainingStageRunner.LogsFolder}/{Folder}/");
        return new ValidationSamples(prompts, tokenizer, every, options.Seed, options.Precision);
    }

    /// <summary>After step <paramref name="step"/>: draws and writes the grid when the step is due.</summary>
    public void After(int step, VelocityModel model, string logsDir, MetricsLog metrics)
    {
        if (step % _every != 0) return;
        var images = Draw(model);
        var grid = new ImageGrid { Columns = Math.Min(MaxPrompts, images.Count), Scale = ImageGrid.ReadableScale(images[0].Width, 96) }.Compose(images, labels: _prompts);
        var png = ImageCodec.EncodePng(grid);
        var folder = Path.Combine(logsDir, Folder);
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllBytes(Path.Combine(folder, $"step-{step:000000}.png"), png);
        metrics.RecordImage(step, TensorBoardTag, png, grid.Width, grid.Height);
    }

    /// <summary>The images of every prompt from the fixed noise (the model's train/eval mode is restored).</summary>
    public IReadOnlyList<RgbImage> Draw(VelocityModel model)
    {
        using var scope = NewDisposeScope();
        var device = model.parameters().First().device;
        var c = model.Config;
        using var generator = new Generator(SplitMix64.Derive(_seed, "validation-noise", 0), CPU);
        var noise = randn([_prompts.Count, c.Channels, c.ImageSize, c.ImageSize], generator: generator).to(device);
        var ids = tensor(_prompts.SelectMany(p => _tokenizer.Encode(p).Select(i => (long)i)).ToArray(), device: device).view(_prompts.Count, _tokenizer.MaxTokens);
        bool training = model.training;
        model.eval();
        try
        {
            var x = EulerSampler.Sample(model, noise, ids, TrainedModel.EmptyIds(_tokenizer, 1, device), SamplerSteps, Cfg, precision: _precision);
            return TrainingSet.ToImages(x.cpu());
        }
        finally { if (training) model.train(); }
    }

    /// <summary>At most MaxPrompts entries spread evenly over the list (a world's prompts run task by task).</summary>
    private static IEnumerable<string> Spread(IReadOnlyList<string> all) =>
        all.Count <= MaxPrompts ? all : Enumerable.Range(0, MaxPrompts).Select(i => all[i * all.Count / MaxPrompts]);
}
