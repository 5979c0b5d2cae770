using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Models;

/// <summary>
/// A model with everything needed to use it: weights, architecture config and the caption tokenizer.
/// On disk it is a checkpoint folder whose config.json holds "model", "tokenizer" and the training record.
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
        var tok = config["tokenizer"] ?? throw new InvalidDataException($"{source}: config.json has no \"tokenizer\" section");
        var vocab = tok["vocabulary"]?.Deserialize<List<string>>() ?? throw new InvalidDataException($"{source}: tokenizer has no vocabulary");
        int maxTokens = tok["max_tokens"]?.GetValue<int>() ?? throw new InvalidDataException($"{source}: tokenizer has no max_tokens");
        // Checkpoints written before subword tokenizers have no "kind": they are word-level.
        var kind = tok["kind"]?.GetValue<string>() ?? CaptionTokenizer.WordKind;
        try { return (model, new CaptionTokenizer(vocab, maxTokens, kind)); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{source}: config.json's tokenizer: {e.Message}", e); }
    }

    public static JsonObject TokenizerJson(CaptionTokenizer tokenizer) => new()
    {
        ["kind"] = tokenizer.Kind,
        ["max_tokens"] = tokenizer.MaxTokens,
        ["vocabulary"] = new JsonArray(tokenizer.Vocabulary.Select(v => (JsonNode)v!).ToArray()),
    };

    /// <summary>[n, L] ids of the empty caption (the unconditional branch of CFG).</summary>
    public Tensor EmptyCaptionIds(long n = 1) => EmptyIds(Tokenizer, n, Network.parameters().First().device);

    public static Tensor EmptyIds(CaptionTokenizer tokenizer, long n, Device device)
    {
        var ids = tokenizer.Encode("");
        return tensor(ids.Select(i => (long)i).ToArray(), device: device).unsqueeze(0).expand(n, ids.Length).contiguous();
    }

    public void Dispose() => Network.Dispose();
}
