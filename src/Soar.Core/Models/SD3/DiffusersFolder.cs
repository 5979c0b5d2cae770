using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using static TorchSharp.torch;

namespace Soar.Core.Models.SD3;

/// <summary>
/// The diffusers layout of a transformer: a folder (a pipeline's transformer/) with config.json and either
/// diffusion_pytorch_model.safetensors or shards diffusion_pytorch_model-0000i-of-0000n.safetensors listed by
/// diffusion_pytorch_model.safetensors.index.json ({"metadata": {"total_size"}, "weight_map": {name: shard}}).
/// </summary>
public static class DiffusersFolder
{
    public const string Subfolder = "transformer";
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "diffusion_pytorch_model.safetensors";
    public const string IndexFile = "diffusion_pytorch_model.safetensors.index.json";
    private static readonly Dictionary<string, string> FormatMetadata = new() { ["format"] = "pt" };

    /// <summary>The folder itself when it holds config.json, else its transformer/ subfolder (a pipeline folder).</summary>
    public static string ResolveTransformerDir(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(Path.Combine(full, ConfigFile))) return full;
        var nested = Path.Combine(full, Subfolder);
        if (File.Exists(Path.Combine(nested, ConfigFile))) return nested;
        throw new FileNotFoundException($"no diffusers transformer at {full}: expected {ConfigFile} there or in {Subfolder}/ (a folder written by `soar model init` or a diffusers pipeline folder)", full);
    }

    public static bool IsTransformerDir(string path)
    {
        try { ResolveTransformerDir(path); return true; }
        catch (FileNotFoundException) { return false; }
    }

    public static SD3Config ReadConfig(string dir, SD3Config? template = null) => ReadConfigFile(Path.Combine(dir, ConfigFile), template);

    /// <summary>A diffusers config.json of SD3Transformer2DModel at any path (<see cref="SD3Config.FromDiffusersJson"/>).</summary>
    public static SD3Config ReadConfigFile(string path, SD3Config? template = null)
    {
        return SD3Config.FromDiffusersJson(ConfigJson.ReadObject(path), path, template);
    }

    /// <summary>A transformer built from the folder's config.json with its weights (any float dtype, converted to float32).</summary>
    public static SD3Transformer2DModel Load(string path)
    {
        var dir = ResolveTransformerDir(path);
        var model = new SD3Transformer2DModel(ReadConfig(dir));
        try { LoadWeightsInto(dir, model); }
        catch { model.Dispose(); throw; }
        return model;
    }

    /// <summary>Copies the folder's weights (one file or shards) into <paramref name="module"/>, names and shapes checked.</summary>
    public static void LoadWeightsInto(string dir, nn.Module module)
    {
        using var scope = NewDisposeScope();
        var (tensors, source) = ReadWeights(dir);
        SD3Weights.CopyInto(module, tensors, source);
    }

    /// <summary>
    /// Every tensor of the folder's weights and the name of what they were read from: <paramref name="weightsFile"/>,
    /// or the shards <paramref name="indexFile"/> lists (transformers names them model.safetensors and
    /// model.safetensors.index.json).
    /// </summary>
    public static (Dictionary<string, Tensor> Tensors, string Source) ReadWeights(string dir, string weightsFile = WeightsFile, string indexFile = IndexFile)
    {
        var index = Path.Combine(dir, indexFile);
        if (!File.Exists(index))
        {
            var single = Path.Combine(dir, weightsFile);
            if (!File.Exists(single)) throw new FileNotFoundException($"{dir} has neither {weightsFile} nor {indexFile}", single);
            return (SafeTensorsFile.Load(single).Tensors, single);
        }
        var map = ReadIndex(index);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var shard in map.Values.Distinct(StringComparer.Ordinal))
        {
            var shardPath = Path.Combine(dir, shard);
            var (loaded, _) = SafeTensorsFile.Load(shardPath);
            foreach (var (name, t) in loaded)
            {
                if (!map.TryGetValue(name, out var listed) || listed != shard)
                    throw new InvalidDataException($"{shardPath}: holds tensor '{name}', which {indexFile} {(listed is null ? "does not list" : $"places in {listed}")}");
                tensors[name] = t;
            }
        }
        var absent = map.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
        if (absent.Count > 0)
            throw new InvalidDataException($"{index}: lists {absent.Count} tensor(s) its shards do not hold: {string.Join(", ", absent.Take(10).Select(k => $"{k} (in {map[k]})"))}");
        return (tensors, index);
    }

    private static Dictionary<string, string> ReadIndex(string path)
    {
        try
        {
            var map = JsonNode.Parse(File.ReadAllText(path))?["weight_map"]?.AsObject()
                ?? throw new InvalidDataException($"{path}: has no \"weight_map\" object");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, file) in map)
            {
                var shard = file?.GetValue<string>() ?? throw new InvalidDataException($"{path}: tensor '{name}' names no shard");
                if (shard != Path.GetFileName(shard) || !shard.EndsWith(".safetensors", StringComparison.Ordinal))
                    throw new InvalidDataException($"{path}: tensor '{name}' names shard '{shard}', which is not a .safetensors file beside the index");
                result[name] = shard;
            }
            return result;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: not a valid safetensors index ({e.Message})", e);
        }
    }

    /// <summary>
    /// Writes config.json and the base weights (adapter tensors left out) in <paramref name="dtype"/> (float32,
    /// float16 or bfloat16), as one file, or as shards of at most <paramref name="maxShardBytes"/> (0: one file).
    /// Weight files of the other layout left in the folder are removed.
    /// </summary>
    public static void Save(string dir, SD3Transformer2DModel model, ScalarType dtype = ScalarType.Float32, long maxShardBytes = 0)
    {
        using var scope = NewDisposeScope();
        SaveWeights(dir, SD3Weights.BaseState(model), dtype, maxShardBytes);
        WriteText(Path.Combine(dir, ConfigFile), model.Config.ToDiffusersJson());
    }

    /// <summary>
    /// Writes <paramref name="weights"/> in <paramref name="dtype"/> (float32, float16 or bfloat16) as
    /// <paramref name="weightsFile"/>, or as shards of at most <paramref name="maxShardBytes"/> (0: one file) named
    /// {stem}-0000i-of-0000n.safetensors with <paramref name="indexFile"/>. Weight files of the other layout are removed.
    /// </summary>
    public static void SaveWeights(string dir, IReadOnlyDictionary<string, Tensor> weights, ScalarType dtype, long maxShardBytes = 0,
        string weightsFile = WeightsFile, string indexFile = IndexFile)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"weights are saved as float32, float16 or bfloat16, not {dtype}", nameof(dtype));
        Directory.CreateDirectory(dir);
        using var scope = NewDisposeScope();
        var stem = weightsFile[..^".safetensors".Length];
        var state = weights.ToDictionary(kv => kv.Key, kv => kv.Value.detach().to(dtype), StringComparer.Ordinal);
        var shards = Split(state, maxShardBytes);
        var written = new HashSet<string>(StringComparer.Ordinal);
        if (shards.Count == 1)
        {
            SafeTensorsFile.Save(Path.Combine(dir, weightsFile), state, FormatMetadata);
            written.Add(weightsFile);
        }
        else
        {
            var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
            long total = 0;
            for (int i = 0; i < shards.Count; i++)
            {
                var file = $"{stem}-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
                SafeTensorsFile.Save(Path.Combine(dir, file), shards[i], FormatMetadata);
                written.Add(file);
                foreach (var (name, t) in shards[i]) { weightMap[name] = file; total += Bytes(t); }
            }
            var index = new JsonObject
            {
                ["metadata"] = new JsonObject { ["total_size"] = total },
                ["weight_map"] = new JsonObject(weightMap.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            };
            WriteText(Path.Combine(dir, indexFile), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n");
            written.Add(indexFile);
        }
        foreach (var stale in Directory.EnumerateFiles(dir, $"{stem}*.safetensors*").Select(Path.GetFileName))
            if (!written.Contains(stale!)) File.Delete(Path.Combine(dir, stale!));
    }

    /// <summary>Greedy split in state-dict order, a new shard when the next tensor would pass the limit.</summary>
    private static List<Dictionary<string, Tensor>> Split(Dictionary<string, Tensor> state, long maxShardBytes)
    {
        var shards = new List<Dictionary<string, Tensor>> { new(StringComparer.Ordinal) };
        long size = 0;
        foreach (var (name, t) in state)
        {
            long bytes = Bytes(t);
            if (maxShardBytes > 0 && size > 0 && size + bytes > maxShardBytes) { shards.Add(new(StringComparer.Ordinal)); size = 0; }
            shards[^1][name] = t;
            size += bytes;
        }
        return shards;
    }

    private static long Bytes(Tensor t) => t.NumberOfElements * t.ElementSize;

    private static void WriteText(string path, string text) =>
        DurableFile.Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(text)));
}
