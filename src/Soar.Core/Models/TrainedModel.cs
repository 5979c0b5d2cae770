using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Imaging;
using Soar.Core.Models.Pipeline;
using Soar.Core.Models.Vae;
using Soar.Core.Text;
using Soar.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Models;

/// <summary>
/// A model with everything needed to use it: weights, architecture config and the caption tokenizer.
/// On disk it is a checkpoint folder whose config.json holds "model", "tokenizer" and the training record.
/// An sd3-pipeline model has no tokenizer of its own: its captions are encoded by its diffusers folder's text encoders
/// (<see cref="PreparePrompts"/>, once per prompt set) and its latents decoded by that folder's VAE (<see cref="ToImages"/>).
/// </summary>
public sealed class TrainedModel : IDisposable
{
    public const string CheckpointFolder = "checkpoint";
    /// <summary>config.json's "format": /2 names the architecture in the model section; /1 (before the seam) is always a DiT.</summary>
    public const string Format = "soar-model/2";
    private static readonly string[] ReadableFormats = [Format, "soar-flow-dit/1"];

    public VelocityModel Network { get; }
    public CaptionTokenizer Tokenizer { get; }
    public JsonObject Config { get; }
    public string? World => Config["dataset"]?["world"]?.GetValue<string>();
    /// <summary>The side of the images it draws, in pixels (an sd3-pipeline model's latents are smaller by its VAE's factor).</summary>
    public int ImageSize => Network.Config is SD3PipelineConfig pipeline ? pipeline.PixelSize : Network.Config.ImageSize;

    public TrainedModel(VelocityModel network, CaptionTokenizer tokenizer, JsonObject config)
    {
        Network = network;
        Tokenizer = tokenizer;
        Config = config;
    }

    /// <summary>Accepts a checkpoint folder or a model stage's output folder (which holds checkpoint/).</summary>
    public static string ResolveCheckpointDir(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(Path.Combine(full, CheckpointLayout.Config))) return full;
        var nested = Path.Combine(full, CheckpointFolder);
        if (File.Exists(Path.Combine(nested, CheckpointLayout.Config))) return nested;
        throw new FileNotFoundException($"no model checkpoint at {full}: expected {CheckpointLayout.Config} there or in {CheckpointFolder}/ (a finished sft/soar stage folder or a checkpoint folder)", full);
    }

    /// <summary>Whether a folder is a checkpoint or a model stage's output (how stages find their model input).</summary>
    public static bool IsCheckpoint(string path)
    {
        try { ResolveCheckpointDir(path); return true; }
        catch (FileNotFoundException) { return false; }
    }

    /// <summary>Loads weights (EMA ones when asked and present) onto a device, in eval mode.</summary>
    public static TrainedModel Load(string path, Device device, bool useEma = false)
    {
        var reader = CheckpointReader.Open(ResolveCheckpointDir(path));
        var (modelConfig, tokenizer) = ReadArchitecture(reader.Config, reader.Directory);
        var network = ModelRegistry.Create(modelConfig);
        reader.LoadWeightsInto(network, useEma && reader.HasEma);
        network.to(device);
        network.eval();
        return new TrainedModel(network, tokenizer, reader.Config);
    }

    public static (ModelConfig Model, CaptionTokenizer Tokenizer) ReadArchitecture(JsonObject config, string source)
    {
        var format = config["format"]?.GetValue<string>();
        if (format is not null && !ReadableFormats.Contains(format))
            throw new InvalidDataException($"{source}: config.json has format '{format}', which this tool cannot read (it reads {string.Join(", ", ReadableFormats)}); update Soar.Pipeline");
        var section = config["model"] ?? throw new InvalidDataException($"{source}: config.json has no \"model\" section");
        var model = ModelRegistry.ReadConfig(section, source);
        // Its captions are rows of a prompt table; this stand-in encodes nothing (TrainedModel.CaptionIds does not use it).
        if (model is SD3PipelineConfig && config["tokenizer"] is null) return (model, PromptRowsTokenizer);
        var tok = config["tokenizer"] ?? throw new InvalidDataException($"{source}: config.json has no \"tokenizer\" section");
        var vocab = tok["vocabulary"]?.Deserialize<List<string>>() ?? throw new InvalidDataException($"{source}: tokenizer has no vocabulary");
        int maxTokens = tok["max_tokens"]?.GetValue<int>() ?? throw new InvalidDataException($"{source}: tokenizer has no max_tokens");
        // Checkpoints written before subword tokenizers have no "kind": they are word-level.
        var kind = tok["kind"]?.GetValue<string>() ?? CaptionTokenizer.WordKind;
        try { return (model, new CaptionTokenizer(vocab, maxTokens, kind)); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{source}: config.json's tokenizer: {e.Message}", e); }
    }

    /// <summary>The tokenizer of an sd3-pipeline model, which has none: an empty vocabulary (no caption encodes through it).</summary>
    public static CaptionTokenizer PromptRowsTokenizer { get; } = new([CaptionTokenizer.PadToken, CaptionTokenizer.BosToken], 2);

    public static JsonObject TokenizerJson(CaptionTokenizer tokenizer) => new()
    {
        ["kind"] = tokenizer.Kind,
        ["max_tokens"] = tokenizer.MaxTokens,
        ["vocabulary"] = new JsonArray(tokenizer.Vocabulary.Select(v => (JsonNode)v!).ToArray()),
    };

    /// <summary>[n, L] ids of the empty caption (the unconditional branch of CFG).</summary>
    public Tensor EmptyCaptionIds(long n = 1) => Network is SD3PipelineModel
        ? zeros([n, 1], ScalarType.Int64, device: Network.parameters().First().device)
        : EmptyIds(Tokenizer, n, Network.parameters().First().device);

    public static Tensor EmptyIds(CaptionTokenizer tokenizer, long n, Device device)
    {
        var ids = tokenizer.Encode("");
        return tensor(ids.Select(i => (long)i).ToArray(), device: device).unsqueeze(0).expand(n, ids.Length).contiguous();
    }

    /// <summary>
    /// Readies the model for captions of <paramref name="prompts"/>: an sd3-pipeline model encodes them (and "") with
    /// its pipeline's text encoders, one encoder in memory at a time; a model with its own tokenizer needs nothing.
    /// </summary>
    public void PreparePrompts(IEnumerable<string> prompts, Action<string> report)
    {
        if (Network is not SD3PipelineModel pipeline) return;
        var config = (SD3PipelineConfig)pipeline.Config;
        var folder = OpenPipeline(config);
        pipeline.Prompts?.Dispose();
        pipeline.Prompts = PromptTable.Encode(folder, prompts, config.MaxSequenceLength, report);
    }

    /// <summary>[n, L] condition ids of <paramref name="captions"/>: token ids, or an sd3-pipeline model's prompt-table rows.</summary>
    public Tensor CaptionIds(IReadOnlyList<string> captions, Device device)
    {
        if (Network is SD3PipelineModel pipeline)
        {
            var table = pipeline.Prompts ?? throw new InvalidOperationException("call PreparePrompts before CaptionIds on an sd3-pipeline model");
            return table.Rows(captions, device);
        }
        var flat = new List<long>();
        foreach (var c in captions)
        {
            if (!Tokenizer.TryEncode(c, out var ids, out var error)) throw new Stages.StageException("SOAR2201", error!);
            flat.AddRange(ids.Select(i => (long)i));
        }
        return tensor(flat.ToArray(), device: device).view(captions.Count, Tokenizer.MaxTokens);
    }

    /// <summary>Samples as 8-bit images: pixels in [-1, 1] as they are, an sd3-pipeline model's latents through its VAE's decoder.</summary>
    public RgbImage[] ToImages(Tensor x)
    {
        if (Network is not SD3PipelineModel pipeline) return TrainingSet.ToImages(x);
        _vae ??= VaeFolder.Load(OpenPipeline((SD3PipelineConfig)pipeline.Config).VaeDir);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _vae.eval();
        return TrainingSet.ToImages(_vae.Decode(_vae.FromLatents(x.detach().to(CPU).to(ScalarType.Float32))));
    }

    private AutoencoderKL? _vae;

    /// <summary>The pipeline folder an sd3-pipeline model was trained with, refused when its VAE or text encoders changed since.</summary>
    public static SD3PipelineFolder OpenPipeline(SD3PipelineConfig config)
    {
        var folder = SD3PipelineFolder.Open(config.Pipeline);
        if (folder.VaeHash() != config.VaeHash || folder.TextEncodersHash() != config.TextEncodersHash)
            throw new InvalidDataException($"{config.Pipeline}: its VAE or text encoders are not the ones this model was trained with (content hashes differ from the checkpoint's); restore that pipeline folder, or retrain from the curate stage on");
        return folder;
    }

    public void Dispose()
    {
        if (Network is SD3PipelineModel pipeline) pipeline.Prompts?.Dispose();
        _vae?.Dispose();
        Network.Dispose();
    }
}
