using System.Text.Json;
using System.Text.Json.Serialization;

namespace Soar.Core.Stages.Curate;

/// <summary>The dataset.json a curate stage writes beside its Parquet shards (read by downstream stages).</summary>
public sealed record CuratedDatasetInfo
{
    /// <summary>World name ("shapes", "glyphs") or "custom" for user data.</summary>
    public required string World { get; init; }
    public required string Source { get; init; }
    public required int ImageSize { get; init; }
    /// <summary>The colour transparent pixels were composited onto (#rrggbb); null in datasets written before it existed.</summary>
    public string? Background { get; init; }
    public required long Seed { get; init; }
    public double ValidationFraction { get; init; }
    /// <summary>Rows per split (train, validation).</summary>
    public required Dictionary<string, long> Rows { get; init; }
    /// <summary>Shard paths per split, relative to the dataset folder, with '/' separators.</summary>
    public Dictionary<string, string[]> Files { get; init; } = new();
    /// <summary>Rows left out (invalid, duplicate or filtered).</summary>
    public long Dropped { get; init; }
    /// <summary>Rows left out per reason (see curation-report.json for each row).</summary>
    public Dictionary<string, long> DroppedByReason { get; init; } = new();

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static CuratedDatasetInfo Load(string datasetDir)
    {
        var path = Path.Combine(datasetDir, CurateStage.ManifestFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{datasetDir}: no {CurateStage.ManifestFileName}; is this the output of a curate stage?", path);
        try
        {
            return JsonSerializer.Deserialize<CuratedDatasetInfo>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid dataset description ({e.Message})", e);
        }
    }
}
