using System.Text.Json;
using System.Text.Json.Serialization;

namespace Soar.Core.Stages;

/// <summary>
/// The contract between the MSBuild task and the `soar stage run` worker: one JSON file per stage run.
/// The task validates names and parameters first; the worker trusts the kind but re-checks values.
/// </summary>
public sealed class StageSpec
{
    /// <summary>Stage name (the item's Include in the .soarproj).</summary>
    public required string Name { get; init; }
    /// <summary>Stage kind, e.g. "curate", "sft".</summary>
    public required string Kind { get; init; }
    /// <summary>The .soarproj that declared the stage (for error messages and relative paths).</summary>
    public string? ProjectPath { get; init; }
    /// <summary>Folder the worker writes into; the task moves it into place when the worker succeeds.</summary>
    public required string OutputDir { get; init; }
    /// <summary>Parameter values as written in the project (strings), keyed by parameter name.</summary>
    public Dictionary<string, string> Parameters { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Finished upstream stages, in the order the project lists them.</summary>
    public List<StageInput> Inputs { get; init; } = new();
    /// <summary>The stage fingerprint computed by the task (recorded in the manifest).</summary>
    public string? Fingerprint { get; init; }
    /// <summary>
    /// Optional folder, stable across attempts of the same fingerprint, where training stages keep periodic
    /// checkpoints; a rerun after a crash resumes from it. Never part of the outputs.
    /// </summary>
    public string? ResumeDir { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static StageSpec Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<StageSpec>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty stage spec");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid stage spec ({e.Message})", e);
        }
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
}

/// <summary>A finished upstream stage whose output folder this stage reads.</summary>
public sealed class StageInput
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public required string Dir { get; init; }
}
