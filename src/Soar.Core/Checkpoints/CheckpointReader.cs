using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Checkpoints;

/// <summary>
/// An existing checkpoint folder: <see cref="Open"/> reads its config and trainer state and checks the files are
/// there; <see cref="LoadInto"/> copies weights and optimizer state into live objects. A missing folder or file is
/// always an error, never a fresh start.
/// </summary>
public sealed class CheckpointReader
{
    private CheckpointReader(string directory, JsonObject config, TrainerState state)
    {
        Directory = directory;
        Config = config;
        State = state;
    }

    public string Directory { get; }

    /// <summary>The caller's <c>config.json</c> object (model and training hyper-parameters).</summary>
    public JsonObject Config { get; }

    public TrainerState State { get; }

    public bool HasEma => File.Exists(PathOf(CheckpointLayout.Ema));

    public bool HasOptimizer => File.Exists(PathOf(CheckpointLayout.Optimizer));

    public static CheckpointReader Open(string dir)
    {
        var full = Path.GetFullPath(dir.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        if (!System.IO.Directory.Exists(full))
        {
            var name = Path.GetFileName(full);
            var aside = System.IO.Directory.Exists(Path.GetDirectoryName(full))
                ? System.IO.Directory.GetDirectories(Path.GetDirectoryName(full)!, $"{name}.old-*").FirstOrDefault()
                : null;
            throw new FileNotFoundException(aside is null
                ? $"Checkpoint folder '{full}' does not exist; check the resume path (a missing checkpoint is never treated as a fresh start)."
                : $"Checkpoint folder '{full}' does not exist, but '{aside}' does: a save was interrupted after moving the previous checkpoint aside. Rename it to '{full}' to resume from it.", full);
        }
        SafeTensorsFile.ReadHeader(RequireFile(full, CheckpointLayout.Model));
        var config = ReadObject(RequireFile(full, CheckpointLayout.Config));
        var statePath = RequireFile(full, CheckpointLayout.TrainerState);
        var state = TrainerState.FromJson(File.ReadAllText(statePath), statePath);
        return new CheckpointReader(full, config, state);
    }

    /// <summary>
    /// Re-hashes every file listed in checksums.json; throws <see cref="InvalidDataException"/> naming the first file
    /// that is missing or differs. A checkpoint written before checksums existed has nothing to verify.
    /// </summary>
    public void Verify() => CheckpointChecksums.Verify(Directory);

    /// <summary>
    /// Copies the saved weights into <paramref name="model"/> and, when given, the EMA weights into <paramref name="ema"/>
    /// and the AdamW state into <paramref name="optimizer"/> (which must be built over <paramref name="model"/>'s parameters).
    /// </summary>
    public void LoadInto(nn.Module model, nn.Module? ema = null, AdamW? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Check every requested file exists before touching any module, so a failure leaves them all as they were.
        var modelPath = RequireFile(CheckpointLayout.Model);
        var emaPath = ema is null ? null : RequireFile(CheckpointLayout.Ema);
        var optimizerPath = optimizer is null ? null : RequireFile(CheckpointLayout.Optimizer);
        ModuleWeights.Load(modelPath, model);
        if (ema is not null) ModuleWeights.Load(emaPath!, ema);
        if (optimizer is not null) AdamWState.Load(optimizerPath!, optimizer, model);
    }

    /// <summary>Loads only weights into <paramref name="target"/>: the EMA copy when <paramref name="useEma"/>, else the trained weights.</summary>
    public void LoadWeightsInto(nn.Module target, bool useEma = false) =>
        ModuleWeights.Load(RequireFile(useEma ? CheckpointLayout.Ema : CheckpointLayout.Model), target);

    private string PathOf(string file) => Path.Combine(Directory, file);

    private string RequireFile(string file) => RequireFile(Directory, file);

    private static string RequireFile(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Checkpoint '{directory}' has no '{file}' (expected at '{path}'); it is incomplete or was saved without it.", path);
        return path;
    }

    private static JsonObject ReadObject(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"'{path}' must hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}");
        }
    }
}
