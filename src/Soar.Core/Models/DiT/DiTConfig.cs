using System.Text.Json.Serialization;

namespace Soar.Core.Models.DiT;

/// <summary>The hyper-parameters of a <see cref="FlowDiT"/> beyond what every architecture shares.</summary>
public sealed record DiTConfig : ModelConfig
{
    public const string Name = "dit";

    public override string Architecture => Name;
    public int PatchSize { get; init; } = 4;
    public int HiddenSize { get; init; } = 128;
    public int Depth { get; init; } = 4;
    public int Heads { get; init; } = 4;
    public double MlpRatio { get; init; } = 4.0;
    public int TextLayers { get; init; } = 1;

    [JsonIgnore] public int PatchesPerSide => ImageSize / PatchSize;
    [JsonIgnore] public int ImageTokens => PatchesPerSide * PatchesPerSide;

    /// <summary>Named sizes: tiny trains in minutes on 2 CPU cores, base wants a GPU; dit2-* use 2-pixel patches.</summary>
    public static IReadOnlyDictionary<string, DiTConfig> Presets { get; } = new Dictionary<string, DiTConfig>
    {
        ["tiny"] = new() { PatchSize = 4, HiddenSize = 128, Depth = 4, Heads = 4, TextLayers = 1 },
        ["small"] = new() { PatchSize = 4, HiddenSize = 256, Depth = 6, Heads = 4, TextLayers = 2 },
        ["base"] = new() { PatchSize = 2, HiddenSize = 384, Depth = 12, Heads = 6, TextLayers = 2 },
        ["dit2-tiny"] = new() { PatchSize = 2, HiddenSize = 128, Depth = 4, Heads = 4, TextLayers = 1 },
    };

    public override void CheckLimits(string source) => ArchitectureLimits.Check(source, Numbers);

    public override ArchitectureLimits.Estimate Estimate() => ArchitectureLimits.EstimateOf(Numbers);

    private ArchitectureLimits.Numbers Numbers => new(ImageSize, Channels, PatchSize, HiddenSize, Depth, Heads, MlpRatio, TextLayers, VocabSize, MaxTokens);

    public override void Validate()
    {
        base.Validate();
        if (PatchSize < 1 || HiddenSize < 1 || Depth < 1 || Heads < 1 || TextLayers < 0 || !(MlpRatio > 0))
            throw new ArgumentException($"patch size {PatchSize}, hidden size {HiddenSize}, depth {Depth}, heads {Heads} and MLP ratio {MlpRatio} must be positive");
        if (ImageSize % PatchSize != 0) throw new ArgumentException($"image size {ImageSize} is not a multiple of the patch size {PatchSize}");
        if (HiddenSize % Heads != 0) throw new ArgumentException($"hidden size {HiddenSize} is not a multiple of the head count {Heads}");
        if (HiddenSize % 4 != 0) throw new ArgumentException("hidden size must be a multiple of 4 (2-D sin-cos positions)");
    }
}
