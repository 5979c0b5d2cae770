using System.Globalization;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Models.SD3;
using Soar.Core.Models.TextEncoders;
using Soar.Core.Models.Vae;
using Soar.Core.Stages;

namespace Soar.Core.Models.Pipeline;

/// <summary>
/// A diffusers pipeline folder of the SD3 family: model_index.json naming transformer/ (SD3Transformer2DModel),
/// vae/ (AutoencoderKL), text_encoder/ and text_encoder_2/ (CLIP-L, CLIP-G), tokenizer/ and tokenizer_2/, optionally
/// text_encoder_3/ and tokenizer_3/ (T5; null entries mean none) and scheduler/ (FlowMatchEulerDiscreteScheduler).
/// Every error names the file or folder and says what to do.
/// </summary>
public sealed class SD3PipelineFolder
{
    public const string IndexFile = "model_index.json";
    public const string SchedulerFolder = "scheduler";
    public const string SchedulerConfigFile = "scheduler_config.json";
    public const string PipelineClass = "StableDiffusion3Pipeline";
    public const string SchedulerClass = "FlowMatchEulerDiscreteScheduler";
    private const string Hint = "point it at the folder that holds model_index.json (a diffusers pipeline download, or `soar model init --architecture sd3-pipeline`)";

    public string Dir { get; }
    public string IndexPath => Path.Combine(Dir, IndexFile);
    public string TransformerDir { get; }
    public string VaeDir { get; }
    public string ClipLDir { get; }
    public string ClipGDir { get; }
    public string TokenizerLDir { get; }
    public string TokenizerGDir { get; }
    public string? T5Dir { get; }
    public string? TokenizerT5Dir { get; }
    public string? SchedulerDir { get; }

    private SD3PipelineFolder(string dir, JsonObject index)
    {
        Dir = dir;
        TransformerDir = Required(index, "transformer", DiffusersFolder.ConfigFile, SD3Config.DiffusersClassName);
        VaeDir = Required(index, VaeFolder.Subfolder, DiffusersFolder.ConfigFile, VaeConfig.DiffusersClassName);
        ClipLDir = Required(index, "text_encoder", TransformersFolder.ConfigFile, ClipTextConfig.ClassName);
        ClipGDir = Required(index, "text_encoder_2", TransformersFolder.ConfigFile, ClipTextConfig.ClassName);
        TokenizerLDir = Required(index, "tokenizer", null, ClipTokenizer.TokenizerClass, "CLIPTokenizerFast");
        TokenizerGDir = Required(index, "tokenizer_2", null, ClipTokenizer.TokenizerClass, "CLIPTokenizerFast");
        T5Dir = Optional(index, "text_encoder_3", TransformersFolder.ConfigFile, T5Config.ClassName);
        TokenizerT5Dir = T5Dir is null ? null : Required(index, "tokenizer_3", null, T5Tokenizer.TokenizerClass, "T5TokenizerFast");
        SchedulerDir = Optional(index, SchedulerFolder, SchedulerConfigFile, SchedulerClass);
    }

    /// <summary>Whether <paramref name="path"/> is a folder holding model_index.json.</summary>
    public static bool IsPipeline(string path) => File.Exists(Path.Combine(Path.GetFullPath(path), IndexFile));

    /// <summary>Reads and checks the folder: every component model_index.json names must be there with its config.</summary>
    public static SD3PipelineFolder Open(string path)
    {
        var dir = Path.GetFullPath(path);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such folder; {Hint}");
        var indexPath = Path.Combine(dir, IndexFile);
        if (!File.Exists(indexPath)) throw new FileNotFoundException($"{dir} is not a diffusers pipeline folder: it has no {IndexFile}; {Hint}", indexPath);
        return new SD3PipelineFolder(dir, ConfigJson.ReadObject(indexPath));
    }

    private string Required(JsonObject index, string name, string? configFile, params string[] classes) =>
        Optional(index, name, configFile, classes)
        ?? throw new InvalidDataException($"{IndexPath}: no \"{name}\" entry; an SD3 pipeline needs transformer, vae, text_encoder, text_encoder_2, tokenizer and tokenizer_2 (text_encoder_3 and tokenizer_3 may be null). Use a complete pipeline folder");

    private string? Optional(JsonObject index, string name, string? configFile, params string[] classes)
    {
        if (index[name] is not JsonArray { Count: 2 } entry || entry[1] is null) return null;
        var cls = entry[1]!.GetValue<string>();
        if (!classes.Contains(cls))
            throw new InvalidDataException($"{IndexPath}: \"{name}\" is a {cls}; this tool reads {string.Join(" or ", classes)} there (an SD3 / SD3.5 pipeline)");
        var sub = Path.Combine(Dir, name);
        if (!Directory.Exists(sub))
            throw new DirectoryNotFoundException($"{IndexPath} names \"{name}\" but {sub} does not exist; download the pipeline's {name}/ folder too (or set the entry to [null, null] where it may be absent)");
        if (configFile is not null && !File.Exists(Path.Combine(sub, configFile)))
            throw new FileNotFoundException($"{sub} has no {configFile}; download the pipeline's {name}/ folder completely", Path.Combine(sub, configFile));
        return sub;
    }

    public SD3Config ReadTransformerConfig() => DiffusersFolder.ReadConfig(TransformerDir);

    public VaeConfig ReadVaeConfig() => VaeConfig.ReadFile(Path.Combine(VaeDir, DiffusersFolder.ConfigFile));

    /// <summary>The scheduler's timestep shift (scheduler_config.json "shift"; SD3 3.0), 1.0 without a scheduler or key.</summary>
    public double TimestepShift()
    {
        if (SchedulerDir is null) return 1.0;
        var path = Path.Combine(SchedulerDir, SchedulerConfigFile);
        return ConfigJson.Read(ConfigJson.ReadObject(path), "shift", path, n => n.GetValue<double>(), 1.0, "a number");
    }

    /// <summary>The content hash of the VAE (its config and weights): the latent cache is keyed by it.</summary>
    public string VaeHash() => HashOf(VaeDir);

    /// <summary>The content hash of the text encoders and tokenizers: the prompt-embedding cache is keyed by it.</summary>
    public string TextEncodersHash() =>
        ContentHash.Combine(new[] { ClipLDir, ClipGDir, TokenizerLDir, TokenizerGDir, T5Dir, TokenizerT5Dir }.OfType<string>()
            .Select(d => KeyValuePair.Create(Path.GetFileName(d), HashOf(d))));

    /// <summary>SHA-256 over the relative path and bytes of every file under a component folder.</summary>
    public static string HashOf(string componentDir) =>
        ContentHash.Combine(Directory.EnumerateFiles(componentDir, "*", SearchOption.AllDirectories)
            .Select(f => KeyValuePair.Create(Path.GetRelativePath(componentDir, f).Replace('\\', '/'), ContentHash.OfFile(f))));

    /// <summary>
    /// "vae: 83,653,863 parameters, 334.6 MB as stored": read from the safetensors headers of a component folder,
    /// before anything is loaded, so a user sees the memory a component will take.
    /// </summary>
    public static string Estimate(string componentDir)
    {
        long parameters = 0, bytes = 0;
        foreach (var file in Directory.EnumerateFiles(componentDir, "*.safetensors"))
            foreach (var entry in SafeTensorsFile.ReadHeader(file).Entries)
            {
                parameters += entry.Shape.Aggregate(1L, (a, b) => a * b);
                bytes += entry.ByteLength;
            }
        return string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(componentDir)}: {parameters:N0} parameters, {bytes / 1e6:0.#} MB as stored, {4.0 * parameters / 1e6:0.#} MB in float32");
    }
}
