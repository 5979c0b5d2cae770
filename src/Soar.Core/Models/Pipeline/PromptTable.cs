using System.Text.Json;
using Soar.Core.Checkpoints;
using static TorchSharp.torch;

namespace Soar.Core.Models.Pipeline;

/// <summary>
/// Prompts encoded once by a pipeline's text encoders, one row each: encoder_hidden_states [P, L, joint_attention_dim]
/// and pooled_projections [P, pooled_projection_dim]. Row 0 is always the empty prompt "" (classifier-free guidance's
/// unconditional input and caption dropout's replacement), so a model conditioned on the table reads caption "ids"
/// [B, 1] that are row numbers. On disk: prompts.safetensors (the two tensors) and prompts.json (the prompts in row order).
/// </summary>
public sealed class PromptTable : IDisposable
{
    public const string TensorsFile = "prompts.safetensors";
    public const string PromptsFile = "prompts.json";
    public const string HiddenName = "encoder_hidden_states";
    public const string PooledName = "pooled_projections";
    public const int EmptyRow = 0;

    private readonly Dictionary<string, int> _rows;

    public IReadOnlyList<string> Prompts { get; }
    public Tensor EncoderHiddenStates { get; }
    public Tensor PooledProjections { get; }

    public PromptTable(IReadOnlyList<string> prompts, Tensor encoderHiddenStates, Tensor pooledProjections)
    {
        if (prompts.Count == 0 || prompts[EmptyRow] != "") throw new ArgumentException("a prompt table starts with the empty prompt", nameof(prompts));
        if (encoderHiddenStates.dim() != 3 || pooledProjections.dim() != 2 || encoderHiddenStates.shape[0] != prompts.Count || pooledProjections.shape[0] != prompts.Count)
            throw new ArgumentException($"{prompts.Count} prompts need [P, L, J] and [P, D] tensors of P = {prompts.Count} rows");
        Prompts = prompts;
        EncoderHiddenStates = encoderHiddenStates;
        PooledProjections = pooledProjections;
        _rows = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < prompts.Count; i++)
            if (!_rows.TryAdd(prompts[i], i)) throw new ArgumentException($"prompt \"{prompts[i]}\" is in the table twice", nameof(prompts));
    }

    /// <summary>"" first, then each distinct prompt once, in ordinal order (the same prompts give the same rows).</summary>
    public static IReadOnlyList<string> RowsFor(IEnumerable<string> prompts) =>
        [.. new[] { "" }.Concat(prompts.Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))];

    /// <summary>Encodes <paramref name="prompts"/> (with "") with the pipeline's text encoders, one encoder in memory at a time.</summary>
    public static PromptTable Encode(SD3PipelineFolder folder, IEnumerable<string> prompts, int maxSequenceLength, Action<string> report)
    {
        var rows = RowsFor(prompts);
        var (hidden, pooled) = TextEncoders.SD3PromptEncoder.EncodeOneAtATime(folder, rows, maxSequenceLength, report);
        return new PromptTable(rows, hidden, pooled);
    }

    public bool TryRow(string prompt, out int row) => _rows.TryGetValue(prompt, out row);

    /// <summary>[n, 1] row numbers of <paramref name="prompts"/>; a prompt the table lacks is an error.</summary>
    public Tensor Rows(IReadOnlyList<string> prompts, Device device)
    {
        var rows = new long[prompts.Count];
        for (int i = 0; i < prompts.Count; i++)
            rows[i] = TryRow(prompts[i], out var r) ? r : throw new ArgumentException($"the prompt \"{prompts[i]}\" was not encoded (the table holds {Prompts.Count} prompts)");
        return tensor(rows, [prompts.Count, 1], device: device);
    }

    public void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        SafeTensorsFile.Save(Path.Combine(dir, TensorsFile), new Dictionary<string, Tensor> { [HiddenName] = EncoderHiddenStates, [PooledName] = PooledProjections },
            new Dictionary<string, string> { ["format"] = "pt" });
        DurableFile.WriteText(Path.Combine(dir, PromptsFile), JsonSerializer.Serialize(Prompts, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    public static PromptTable Load(string dir)
    {
        var promptsPath = Path.Combine(dir, PromptsFile);
        var tensorsPath = Path.Combine(dir, TensorsFile);
        if (!File.Exists(promptsPath) || !File.Exists(tensorsPath))
            throw new FileNotFoundException($"{dir}: no {PromptsFile} and {TensorsFile} (the prompt embeddings of a curate stage with Pipeline set); rerun the curate stage", promptsPath);
        List<string> prompts;
        try { prompts = JsonSerializer.Deserialize<List<string>>(File.ReadAllText(promptsPath)) ?? throw new InvalidDataException($"{promptsPath}: empty"); }
        catch (JsonException e) { throw new InvalidDataException($"{promptsPath}: not a JSON list of prompts ({e.Message})", e); }
        var (tensors, _) = SafeTensorsFile.Load(tensorsPath);
        if (!tensors.TryGetValue(HiddenName, out var hidden) || !tensors.TryGetValue(PooledName, out var pooled))
            throw new InvalidDataException($"{tensorsPath}: needs {HiddenName} and {PooledName}");
        try { return new PromptTable(prompts, hidden, pooled); }
        catch (ArgumentException e) { throw new InvalidDataException($"{dir}: {e.Message}", e); }
    }

    public void Dispose()
    {
        EncoderHiddenStates.Dispose();
        PooledProjections.Dispose();
    }
}
