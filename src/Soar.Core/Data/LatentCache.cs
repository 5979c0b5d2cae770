using System.Text.Json;
using System.Text.Json.Serialization;
using Soar.Core.Checkpoints;
using Soar.Core.Imaging;
using Soar.Core.Models.Pipeline;
using static TorchSharp.torch;

namespace Soar.Core.Data;

/// <summary>
/// The encoded form of a curated dataset for a diffusers pipeline base, beside its Parquet data (docs/datasets.md,
/// "Latent cache"): latents/cache.json (this record), latents/{split}.safetensors with "latents" float32
/// [N, C, h, w] (the VAE posterior's mean or a seeded sample, then (z - shift_factor) * scaling_factor) and
/// "prompt_index" int64 [N] (the row's caption in the prompt table), in the order of the split's Parquet rows, and
/// latents/prompts.safetensors + prompts.json (<see cref="PromptTable"/>: every distinct caption and "" encoded once).
/// It is keyed by the content hashes of the VAE and of the text encoders: a training stage refuses a cache whose keys
/// are not its base pipeline's.
/// </summary>
public sealed record LatentCache
{
    public const string Folder = "latents";
    public const string InfoFile = "cache.json";
    public const string CurrentFormat = "soar-latent-cache/1";
    public const string LatentsName = "latents";
    public const string PromptIndexName = "prompt_index";
    public const string MeanSampling = "mean";
    public const string SampleSampling = "sample";

    public string Format { get; init; } = CurrentFormat;
    public required string VaeHash { get; init; }
    public required string TextEncodersHash { get; init; }
    /// <summary>"mean" (the posterior's mean, diffusers' latent_dist.mode()) or "sample" (a draw seeded per row).</summary>
    public required string LatentSampling { get; init; }
    /// <summary>With "sample": row i of split s draws its noise from a CPU generator seeded SplitMix64.Derive(LatentSeed, s, i).</summary>
    public required long LatentSeed { get; init; }
    public required double ScalingFactor { get; init; }
    public required double ShiftFactor { get; init; }
    public required int ImageSize { get; init; }
    public required int LatentChannels { get; init; }
    public required int LatentSize { get; init; }
    public required int VaeDownscale { get; init; }
    public required int MaxSequenceLength { get; init; }
    /// <summary>Rows per split file (latents/{split}.safetensors).</summary>
    public required Dictionary<string, long> Rows { get; init; }
    public required int Prompts { get; init; }

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Dir(string datasetDir) => Path.Combine(datasetDir, Folder);

    public static string SplitFile(string datasetDir, string split) => Path.Combine(Dir(datasetDir), $"{split}.safetensors");

    public static bool Exists(string datasetDir) => File.Exists(Path.Combine(Dir(datasetDir), InfoFile));

    public static LatentCache Load(string datasetDir)
    {
        var path = Path.Combine(Dir(datasetDir), InfoFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{datasetDir}: no {Folder}/{InfoFile}; the dataset was curated without Pipeline=\"<diffusers folder>\" (or before the cache existed): set Pipeline (or a <BaseModel> folder) on the curate stage", path);
        try
        {
            var cache = JsonSerializer.Deserialize<LatentCache>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty");
            if (cache.Format != CurrentFormat) throw new InvalidDataException($"{path}: format '{cache.Format}', this tool reads {CurrentFormat}; rerun the curate stage");
            return cache;
        }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid latent cache description ({e.Message}); rerun the curate stage", e); }
    }

    public void Write(string datasetDir) => AtomicFile.WriteAllText(Path.Combine(Dir(datasetDir), InfoFile), JsonSerializer.Serialize(this, Json) + "\n");

    public static void WriteSplit(string datasetDir, string split, Tensor latents, Tensor promptIndex) =>
        SafeTensorsFile.Save(SplitFile(datasetDir, split), new Dictionary<string, Tensor> { [LatentsName] = latents, [PromptIndexName] = promptIndex },
            new Dictionary<string, string> { ["format"] = "pt" });

    /// <summary>A split's latents [N, C, h, w] and prompt rows [N, 1] (the caption ids of an sd3-pipeline model).</summary>
    public static (Tensor Latents, Tensor PromptRows) ReadSplit(string datasetDir, string split)
    {
        var path = SplitFile(datasetDir, split);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: missing; rerun the curate stage", path);
        var (tensors, _) = SafeTensorsFile.Load(path);
        if (!tensors.TryGetValue(LatentsName, out var latents) || !tensors.TryGetValue(PromptIndexName, out var index) || latents.dim() != 4 || index.shape[0] != latents.shape[0])
            throw new InvalidDataException($"{path}: needs {LatentsName} [N, C, h, w] and {PromptIndexName} [N]; rerun the curate stage");
        return (latents, index.to(ScalarType.Int64).unsqueeze(1));
    }

    /// <summary>The error text when this cache was made by another VAE or other text encoders than <paramref name="folder"/>'s; null when the keys match.</summary>
    public string? Mismatch(string vaeHash, string textEncodersHash, string folder)
    {
        var parts = new List<string>();
        if (vaeHash != VaeHash) parts.Add($"its VAE (cache {VaeHash[..12]}, {folder} {vaeHash[..12]})");
        if (textEncodersHash != TextEncodersHash) parts.Add($"its text encoders (cache {TextEncodersHash[..12]}, {folder} {textEncodersHash[..12]})");
        return parts.Count == 0 ? null : $"the dataset's latent cache was encoded with another {string.Join(" and ", parts)}; curate with Pipeline=\"{folder}\" (the same folder as the base model) so the cache is re-encoded";
    }
}
