using System.Globalization;

namespace Soar.Core.Models.DiT;

/// <summary>
/// Refuses a hostile or mistaken architecture (a config.json asking for Depth=10^9) before anything is allocated:
/// every field has a bound, then the float32 parameter memory and the activation memory of one training image are
/// estimated and compared with a limit (this machine's memory, or <see cref="MaxModelGbVariable"/> in GB).
/// The bounds admit SD3.5-Medium-sized numbers (hidden 1536, depth 24, 24 heads, 2.5B parameters).
/// </summary>
public static class ArchitectureLimits
{
    public const string MaxModelGbVariable = "SOAR_MAX_MODEL_GB";

    /// <summary>The numbers of a FlowDiT (DiTConfig) architecture, under their config.json names.</summary>
    public sealed record Numbers(int ImageSize, int Channels, int PatchSize, int HiddenSize, int Depth, int Heads,
        double MlpRatio, int TextLayers, int VocabSize, int MaxTokens);

    /// <summary>
    /// Parameter count and bytes (float32, with fixed buffers), and the activations one training image needs, without and
    /// with gradient checkpointing (<see cref="BlockCheckpoint"/>; null: the architecture has no checkpointed blocks).
    /// </summary>
    public sealed record Estimate(double Parameters, double ParameterBytes, double ActivationBytes, double? CheckpointedActivationBytes = null)
    {
        public double TotalBytes => ParameterBytes + ActivationBytes;
        public double CheckpointedBytes => CheckpointedActivationBytes ?? ActivationBytes;
    }

    // Inclusive bounds per field: well above SD3.5-Medium and the built-in presets, far below what exhausts a machine.
    private static readonly (string Field, double Min, double Max)[] Bounds =
    [
        (nameof(Numbers.ImageSize), 1, 4096),
        (nameof(Numbers.Channels), 1, 64),
        (nameof(Numbers.PatchSize), 1, 64),
        (nameof(Numbers.HiddenSize), 4, 16384),
        (nameof(Numbers.Depth), 1, 256),
        (nameof(Numbers.Heads), 1, 256),
        (nameof(Numbers.MlpRatio), 0.25, 16),
        (nameof(Numbers.TextLayers), 0, 128),
        (nameof(Numbers.VocabSize), 2, 1 << 21),
        (nameof(Numbers.MaxTokens), 1, 4096),
    ];

    /// <summary>Image tokens (ImageSize / PatchSize)^2 at most: a 256 x 256 patch grid.</summary>
    public const int MaxImageTokens = 256 * 256;

    /// <summary>
    /// Checks every field of <paramref name="numbers"/> and the memory estimate; returns the estimate. Throws
    /// <see cref="InvalidDataException"/> naming <paramref name="configPath"/>, the field, its value and the bound,
    /// or the estimate and the limit. <paramref name="maxBytes"/> overrides the limit (tests); null reads
    /// <see cref="MaxModelGbVariable"/>, else this machine's memory.
    /// </summary>
    public static Estimate Check(string configPath, Numbers numbers, double? maxBytes = null)
    {
        foreach (var (field, min, max) in Bounds) Bound(configPath, field, Value(numbers, field), min, max);
        if (numbers.ImageSize % numbers.PatchSize != 0)
            throw new InvalidDataException($"{configPath}: \"ImageSize\" {numbers.ImageSize} is not a multiple of \"PatchSize\" {numbers.PatchSize}");
        if (numbers.HiddenSize % numbers.Heads != 0)
            throw new InvalidDataException($"{configPath}: \"HiddenSize\" {numbers.HiddenSize} is not a multiple of \"Heads\" {numbers.Heads}");
        long tokens = (long)(numbers.ImageSize / numbers.PatchSize) * (numbers.ImageSize / numbers.PatchSize);
        if (tokens > MaxImageTokens)
            throw new InvalidDataException($"{configPath}: \"ImageSize\" {numbers.ImageSize} / \"PatchSize\" {numbers.PatchSize} gives {tokens} image tokens, over the bound {MaxImageTokens}");

        var estimate = EstimateOf(numbers);
        RefuseAbove(configPath, estimate, maxBytes);
        return estimate;
    }

    /// <summary>Refuses an estimate over the memory limit (<paramref name="maxBytes"/>, else <see cref="MaxModelGbVariable"/>, else this machine's memory).</summary>
    public static void RefuseAbove(string configPath, Estimate estimate, double? maxBytes = null)
    {
        var (limit, origin) = maxBytes is { } m ? (m, "the given limit") : Limit();
        if (estimate.TotalBytes > limit)
            throw new InvalidDataException(
                $"{configPath}: this architecture needs an estimated {Gb(estimate.TotalBytes)} ({Format(estimate.Parameters)} parameters = {Gb(estimate.ParameterBytes)} " +
                $"+ {Gb(estimate.ActivationBytes)} of activations for one training image), over the limit {Gb(limit)} ({origin}); " +
                $"if the config is what you meant, set {MaxModelGbVariable} to a larger number of GB");
    }

    /// <summary>Refuses a field outside [min, max], naming the file, the field, its value and the bounds.</summary>
    public static void Bound(string configPath, string field, double value, double min, double max)
    {
        if (!double.IsFinite(value) || value < min || value > max)
            throw new InvalidDataException($"{configPath}: \"{field}\" is {Format(value)}, outside the bounds [{Format(min)}, {Format(max)}] this tool accepts; the file is damaged or not a Soar model config");
    }

    /// <summary>The estimate alone, without bounds (float32: 4 bytes a value).</summary>
    public static Estimate EstimateOf(Numbers n)
    {
        double d = n.HiddenSize, m = Math.Floor(d * n.MlpRatio), p2c = (double)n.PatchSize * n.PatchSize * n.Channels;
        double imageTokens = Math.Pow(Math.Floor((double)n.ImageSize / n.PatchSize), 2), l = imageTokens + n.MaxTokens;
        double attention = 4 * d * d + 4 * d, mlp = 2 * d * m + m + d;
        double blockParameters = attention + mlp + 6 * d * d + 6 * d;    // adaLN-Zero: 6 modulation vectors
        double textLayer = attention + mlp + 4 * d;                     // two affine LayerNorms
        double parameters =
            p2c * d + d                                                 // patch embedding
            + 256 * d + d + d * d + d                                   // timestep MLP (256 frequencies)
            + (double)n.VocabSize * d + n.MaxTokens * d + n.TextLayers * textLayer + 2 * d
            + 2 * (d * d + d)                                           // caption pool and token projections
            + n.Depth * blockParameters
            + d * p2c + p2c + 2 * d * d + 2 * d;                        // final layer
        double buffers = imageTokens * d;                               // fixed sin-cos positions
        // Kept for the backward pass: about ten d-wide and two mlp-wide tensors per token and layer; plus one layer's
        // attention scores and softmax (heads x L x L), held only while that layer runs when the kernel materialises them.
        double block = l * (10 * d + 2 * m), text = n.TextLayers * n.MaxTokens * (10 * d + 2 * m), scores = 2.0 * n.Heads * l * l;
        // Checkpointed, a block keeps its input (and the backward pass a gradient of that size), one block rebuilt at a time.
        double checkpointed = n.Depth * l * 2 * d + block + text + scores;
        return new Estimate(parameters, 4 * (parameters + buffers), 4 * (n.Depth * block + text + scores), 4 * checkpointed);
    }

    private static (double Bytes, string Origin) Limit()
    {
        var text = Environment.GetEnvironmentVariable(MaxModelGbVariable);
        if (!string.IsNullOrWhiteSpace(text))
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var gb) || !(gb > 0))
                throw new InvalidDataException($"{MaxModelGbVariable}='{text}' is not a positive number of GB");
            return (gb * 1e9, $"{MaxModelGbVariable}={text}");
        }
        // The memory this process may use (physical memory, or a container's limit).
        return (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, "this machine's memory");
    }

    private static double Value(Numbers n, string field) => field switch
    {
        nameof(Numbers.ImageSize) => n.ImageSize,
        nameof(Numbers.Channels) => n.Channels,
        nameof(Numbers.PatchSize) => n.PatchSize,
        nameof(Numbers.HiddenSize) => n.HiddenSize,
        nameof(Numbers.Depth) => n.Depth,
        nameof(Numbers.Heads) => n.Heads,
        nameof(Numbers.MlpRatio) => n.MlpRatio,
        nameof(Numbers.TextLayers) => n.TextLayers,
        nameof(Numbers.VocabSize) => n.VocabSize,
        nameof(Numbers.MaxTokens) => n.MaxTokens,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, "not an architecture field"),
    };

    private static string Gb(double bytes) => (bytes / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " GB";

    private static string Format(double value) => value.ToString(value == Math.Floor(value) && Math.Abs(value) < 1e15 ? "0" : "G6", CultureInfo.InvariantCulture);
}
