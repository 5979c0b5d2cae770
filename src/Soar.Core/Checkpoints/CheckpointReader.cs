using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Checkpoints;

/// <summary>
/// An existing checkpoint folder, read as one snapshot: <see cref="Open"/> reads checksums.json once, then the config,
/// trainer state and weights; every file's bytes are read once, checked against that one checksums.json and parsed
/// from exactly those bytes, so a checkpoint replaced while it is read (another build saving it) is rejected instead of
/// mixing two saves. <see cref="Verify"/> reads the rest (EMA, optimizer state) the same way; <see cref="LoadInto"/>
/// copies weights and optimizer state into live objects. A missing folder or file is always an error, never a fresh start.
/// </summary>
public sealed class CheckpointReader
{
    /// <summary>File name -> SHA-256 from the snapshot's checksums.json; null for a checkpoint saved before checksums existed.</summary>
    private readonly IReadOnlyDictionary<string, string>? _checksums;
    /// <summary>Verified bytes read but not yet parsed; each entry is dropped once loaded, so the snapshot does not pin memory.</summary>
    private readonly Dictionary<string, byte[]> _unparsed = new(StringComparer.Ordinal);

    private CheckpointReader(string directory, IReadOnlyDictionary<string, string>? checksums)
    {
        Directory = directory;
        _checksums = checksums;
    }

    public string Directory { get; }

    /// <summary>The caller's <c>config.json</c> object (model and training hyper-parameters).</summary>
    public JsonObject Config { get; private set; } = [];

    public TrainerState State { get; private set; } = null!;

    public bool HasEma => Has(CheckpointLayout.Ema);

    public bool HasOptimizer => Has(CheckpointLayout.Optimizer);

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
        var checksumsPath = Path.Combine(full, CheckpointLayout.Checksums);
        var checksumsBytes = TryReadAll(checksumsPath);
        var reader = new CheckpointReader(full, checksumsBytes is null ? null : CheckpointChecksums.Parse(checksumsBytes, checksumsPath));
        var model = reader.Read(CheckpointLayout.Model);
        using (var stream = new MemoryStream(model, writable: false)) SafeTensorsFile.ReadHeader(stream, reader.PathOf(CheckpointLayout.Model));
        reader._unparsed[CheckpointLayout.Model] = model;
        reader.Config = ReadObject(reader.Read(CheckpointLayout.Config), reader.PathOf(CheckpointLayout.Config));
        reader.State = TrainerState.FromJson(Text(reader.Read(CheckpointLayout.TrainerState)), reader.PathOf(CheckpointLayout.TrainerState));
        return reader;
    }

    /// <summary>
    /// Reads every other file listed in the snapshot's checksums.json (EMA, optimizer state) and checks it; throws
    /// <see cref="InvalidDataException"/> naming the first file that is missing or differs. After it, loading reads
    /// nothing more from disk. A checkpoint written before checksums existed has nothing to verify.
    /// </summary>
    public void Verify()
    {
        if (_checksums is null) return;
        foreach (var file in _checksums.Keys)
            if (file is not (CheckpointLayout.Config or CheckpointLayout.TrainerState) && !_unparsed.ContainsKey(file))
                _unparsed[file] = Read(file);
    }

    /// <summary>
    /// Copies the saved weights into <paramref name="model"/> and, when given, the EMA weights into <paramref name="ema"/>
    /// and the AdamW state into <paramref name="optimizer"/> (which must be built over <paramref name="model"/>'s parameters).
    /// </summary>
    public void LoadInto(nn.Module model, nn.Module? ema = null, AdamW? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Read and check every requested file before touching any module, so a failure leaves them all as they were.
        var weights = Take(CheckpointLayout.Model);
        var emaWeights = ema is null ? null : Take(CheckpointLayout.Ema);
        var optimizerState = optimizer is null ? null : Take(CheckpointLayout.Optimizer);
        Parse(weights, CheckpointLayout.Model, (s, name) => ModuleWeights.Load(s, name, model));
        if (ema is not null) Parse(emaWeights!, CheckpointLayout.Ema, (s, name) => ModuleWeights.Load(s, name, ema));
        if (optimizer is not null) Parse(optimizerState!, CheckpointLayout.Optimizer, (s, name) => AdamWState.Load(s, name, optimizer, model));
    }

    /// <summary>Loads only weights into <paramref name="target"/>: the EMA copy when <paramref name="useEma"/>, else the trained weights.</summary>
    public void LoadWeightsInto(nn.Module target, bool useEma = false)
    {
        var file = useEma ? CheckpointLayout.Ema : CheckpointLayout.Model;
        Parse(Take(file), file, (s, name) => ModuleWeights.Load(s, name, target));
    }

    private void Parse(byte[] bytes, string file, Action<Stream, string> load)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        load(stream, PathOf(file));
    }

    private bool Has(string file) => _unparsed.ContainsKey(file) || (_checksums?.ContainsKey(file) ?? File.Exists(PathOf(file)));

    /// <summary>The verified bytes of <paramref name="file"/>: those read earlier (then forgotten), else read now and checked.</summary>
    private byte[] Take(string file)
    {
        if (_unparsed.Remove(file, out var bytes)) return bytes;
        return Read(file);
    }

    /// <summary>
    /// Reads <paramref name="file"/> once and checks the bytes against the snapshot's checksums.json; a file missing from
    /// the list, or whose bytes differ, belongs to another save (or is damaged) and is rejected.
    /// </summary>
    private byte[] Read(string file)
    {
        var path = PathOf(file);
        var bytes = TryReadAll(path) ?? throw new FileNotFoundException(
            $"Checkpoint '{Directory}' has no '{file}' (expected at '{path}'); it is incomplete, was saved without it, or was replaced while being read.", path);
        if (_checksums is null)
        {
            // Every save writes checksums.json, so one appearing now means a save replaced the folder mid-read.
            if (!System.IO.Directory.Exists(Directory) || File.Exists(PathOf(CheckpointLayout.Checksums)))
                throw new InvalidDataException($"Checkpoint '{Directory}' was replaced while it was being read (another process saved it); read it again once that save has finished.");
            return bytes;
        }
        if (!_checksums.TryGetValue(file, out var expected))
            throw new InvalidDataException($"Checkpoint '{Directory}': '{file}' is not listed in its {CheckpointLayout.Checksums}; the checkpoint is incomplete, or was replaced while being read.");
        if (CheckpointChecksums.Hash(bytes) != expected)
            throw new InvalidDataException($"Checkpoint '{Directory}': '{file}' does not match its SHA-256 in {CheckpointLayout.Checksums} (damaged, partly written, or replaced by another save while being read); nothing was loaded from it.");
        return bytes;
    }

    private string PathOf(string file) => Path.Combine(Directory, file);

    private static byte[]? TryReadAll(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    /// <summary>UTF-8 text as File.ReadAllText reads it (a byte-order mark is skipped).</summary>
    private static string Text(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes, writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static JsonObject ReadObject(byte[] bytes, string path)
    {
        try
        {
            return JsonNode.Parse(bytes) as JsonObject
                ?? throw new InvalidDataException($"'{path}' must hold a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}");
        }
    }
}
