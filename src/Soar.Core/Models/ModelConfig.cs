using System.Text.Json.Serialization;

namespace Soar.Core.Models;

/// <summary>Every hyper-parameter of a <see cref="FlowDiT"/>; saved as config.json with each checkpoint.</summary>
public sealed record ModelConfig
{
    public string Preset { get; init; } = "tiny";
    public int ImageSize { get; init; } = 32;
    public int Channels { get; init; } = 3;
    public int PatchSize { get; init; } = 4;
    public int HiddenSize { get; init; } = 128;
    public int Depth { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public double MlpRatio { get; init; } = 4.0;
    public int TextLayers { get; init; } = 1;
    public int VocabSize { get; init; }
    public int MaxTokens { get; init; } = 24;
    /// <summary>Timestep shift a used in training and sampling: s = a*u / (1 + (a-1)*u).</summary>
    public double TimestepShift { get; init; } = 1.0;

    [JsonIgnore] public int PatchesPerSide => ImageSize / PatchSize;
    [JsonIgnore] public int ImageTokens => PatchesPerSide * PatchesPerSide;

    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "small", "base"];

    /// <summary>Named sizes. tiny trains in minutes on 2 CPU cores; base wants a GPU.</summary>
    public static ModelConfig FromPreset(string preset, int imageSize, int vocabSize, int maxTokens, double timestepShift) =>
        (preset.ToLowerInvariant() switch
        {
            "tiny" => new ModelConfig { PatchSize = 4, HiddenSize = 128, Depth = 4, Heads = 4, TextLayers = 1 },
            "small" => new ModelConfig { PatchSize = 4, HiddenSize = 256, Depth = 6, Heads = 4, TextLayers = 2 },
            "base" => new ModelConfig { PatchSize = 2, HiddenSize = 384, Depth = 12, Heads = 6, TextLayers = 2 },
            _ => throw new ArgumentException($"unknown model preset '{preset}'; known: {string.Join(", ", PresetNames)}", nameof(preset)),
        }) with
        {
            Preset = preset.ToLowerInvariant(),
            ImageSize = imageSize,
            VocabSize = vocabSize,
            MaxTokens = maxTokens,
            TimestepShift = timestepShift,
        };

    public void Validate()
    {
        if (ImageSize % PatchSize != 0) throw new ArgumentException($"image size {ImageSize} is not a multiple of the patch size {PatchSize}");
        if (HiddenSize % Heads != 0) throw new ArgumentException($"hidden size {HiddenSize} is not a multiple of the head count {Heads}");
        if (HiddenSize % 4 != 0) throw new ArgumentException("hidden size must be a multiple of 4 (2-D sin-cos positions)");
        if (VocabSize < 2) throw new ArgumentException("vocabulary size must be at least 2");
    }
}
