using System.Text.Json;
using System.Text.Json.Serialization;

namespace Soar.Core.Stages;

/// <summary>
/// manifest.json in a finished stage folder. Everything above <see cref="Run"/> is deterministic: the same spec
/// and the same output bytes give the same text. <see cref="Run"/> holds the timing and host fields.
/// </summary>
public sealed class StageManifest
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public string? Fingerprint { get; init; }
    /// <summary>All parameters of the kind with catalog defaults filled in, sorted by name.</summary>
    public SortedDictionary<string, string> Parameters { get; init; } = new(StringComparer.Ordinal);
    public List<ManifestInput> Inputs { get; init; } = new();
    /// <summary>Relative path ('/' separators) -> SHA-256 and size of every file the stage wrote.</summary>
    public SortedDictionary<string, ManifestOutput> Outputs { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Hash over the outputs' paths and bytes, logs/ excluded (see <see cref="ContentHash"/>).</summary>
    public required string ContentHash { get; init; }
    public SortedDictionary<string, long> Seeds { get; init; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, double> Metrics { get; init; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, string> Notes { get; init; } = new(StringComparer.Ordinal);
    /// <summary>The reproducibility contract in force (bitwise on CPU; within a tolerance on CUDA).</summary>
    public string? Determinism { get; init; }
    public required ManifestVersions Versions { get; init; }
    public required ManifestRun Run { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Metrics may be NaN when a loss diverges; keep the manifest writable.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static StageManifest Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<StageManifest>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid stage manifest ({e.Message})", e);
        }
    }

    /// <summary>Writes to a temp file beside the target and renames it into place.</summary>
    public void Save(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>An upstream stage this stage read, with the content hash of its outputs at the time.</summary>
public sealed record ManifestInput(string Name, string Kind, string ContentHash);

public sealed record ManifestOutput(string Sha256, long Size);

public sealed record ManifestVersions(string Tool, string Core, string TorchSharp, string Libtorch, string Dotnet);

/// <summary>Non-deterministic facts of one run: host, timing and the files' write times (for a fast intactness check).</summary>
public sealed class ManifestRun
{
    public required string Device { get; init; }
    public int Threads { get; init; }
    public required string Machine { get; init; }
    public DateTimeOffset StartedUtc { get; init; }
    public DateTimeOffset FinishedUtc { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>Seconds per phase where the stage times its parts (the eval stage: sampling, drift, feature network, ...).</summary>
    public SortedDictionary<string, double>? Phases { get; init; }
    /// <summary>Relative path -> last write time (UTC, round-trip format) when the manifest was written.</summary>
    public SortedDictionary<string, string> OutputTimes { get; init; } = new(StringComparer.Ordinal);
}
