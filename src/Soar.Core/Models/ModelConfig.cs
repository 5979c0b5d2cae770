using System.Text.Json.Serialization;

namespace Soar.Core.Models;

/// <summary>
/// What every architecture's config.json "model" section shares: the image it draws, the caption vocabulary it
/// reads and the timestep shift it was trained with. Each architecture derives its own record with the rest.
/// </summary>
public abstract record ModelConfig
{
    /// <summary>The registry key (<see cref="ModelRegistry"/>); checkpoints written before the seam have none and are "dit".</summary>
    [JsonPropertyName("architecture"), JsonPropertyOrder(-1)]
    public abstract string Architecture { get; }
    public string Preset { get; init; } = "";
    public int ImageSize { get; init; } = 32;
    public int Channels { get; init; } = 3;
    public int VocabSize { get; init; }
    public int MaxTokens { get; init; } = 24;
    /// <summary>Timestep shift a used in training and sampling: s = a*u / (1 + (a-1)*u).</summary>
    public double TimestepShift { get; init; } = 1.0;
    /// <summary>
    /// LoRA adapters the model carries ("rank=32;alpha=64;targets=...", <see cref="Lora.LoraSettings"/>), or null:
    /// <see cref="ModelRegistry.Create"/> adds them and freezes every other weight. Not written when null.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Lora { get; init; }

    /// <summary>
    /// Refuses a config.json whose numbers are out of bounds or whose model would not fit in memory, before anything is
    /// allocated (a hostile Depth=10^9 must be an error, not the OOM killer). <paramref name="source"/> names the file.
    /// </summary>
    public abstract void CheckLimits(string source);

    /// <summary>Parameters and the activations one training image needs, with and without gradient checkpointing, from the numbers alone.</summary>
    public abstract DiT.ArchitectureLimits.Estimate Estimate();

    public virtual void Validate()
    {
        if (ImageSize < 1 || Channels < 1) throw new ArgumentException($"image size {ImageSize} and channels {Channels} must be positive");
        if (VocabSize < 2) throw new ArgumentException("vocabulary size must be at least 2");
        if (MaxTokens < 1) throw new ArgumentException("max tokens must be at least 1");
        if (!(TimestepShift > 0)) throw new ArgumentException($"timestep shift {TimestepShift} must be positive");
        if (Lora is not null) Models.Lora.LoraSettings.Parse(Lora);
    }
}
