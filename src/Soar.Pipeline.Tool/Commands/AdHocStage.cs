using System.Globalization;
using Soar.Core.Stages;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>
/// Runs one stage outside a build (soar sample, soar eval): into a temp folder that is renamed to the requested
/// output folder only when the stage succeeded, so a failed or cancelled run leaves nothing half-written.
/// </summary>
public static class AdHocStage
{
    public static string PrepareOutput(DirectoryInfo requested)
    {
        var outDir = Path.GetFullPath(requested.FullName);
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
            throw new StageException("SOAR3002", $"--out {outDir} already exists and is not empty; choose a new folder or delete it");
        return outDir;
    }

    /// <summary>A finished stage folder as a stage input (its manifest names its kind).</summary>
    public static StageInput Input(DirectoryInfo dir, string option)
    {
        var manifest = Path.Combine(dir.FullName, ContentHash.ManifestFileName);
        if (!File.Exists(manifest))
            throw new StageException("SOAR2007", $"{option} {dir.FullName} is not a finished stage folder (no {ContentHash.ManifestFileName}); point it at a stage's output, e.g. .soar/base");
        return new StageInput { Name = dir.Name, Kind = StageManifest.Load(manifest).Kind, Dir = dir.FullName };
    }

    public static void Set(Dictionary<string, string> parameters, string name, object? value)
    {
        if (value is null) return;
        parameters[name] = value switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString()!,
        };
    }

    /// <summary>Checks each value against the catalog before anything runs; an error names the command-line option, not the parameter.</summary>
    public static void CheckOptions(string kind, Dictionary<string, string> parameters, IReadOnlyDictionary<string, string> options)
    {
        var info = StageKindCatalog.Default.Get(kind);
        foreach (var (name, value) in parameters)
            if (info.Parameters.TryGetValue(name, out var rule) && rule.Validate(value) is { } why)
                throw new StageException("SOAR1003", $"{(options.TryGetValue(name, out var option) ? option : name)} {value}: {why}");
    }

    public static void Run(string kind, string outDir, Dictionary<string, string> parameters, List<StageInput> inputs, CancellationToken ct)
    {
        var temp = $"{outDir}.tmp-{Guid.NewGuid().ToString("N")[..8]}";
        var spec = new StageSpec { Name = Path.GetFileName(outDir), Kind = kind, OutputDir = temp, Parameters = parameters, Inputs = inputs };
        try
        {
            new StageRunner { ToolVersion = ToolInfo.Version }.Run(spec, new ConsoleStageLog(spec.Name), ct);
            if (Directory.Exists(outDir)) Directory.Delete(outDir);
            Directory.Move(temp, outDir);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }
}
