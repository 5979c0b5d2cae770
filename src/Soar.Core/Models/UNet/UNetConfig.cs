using Soar.Core.Models.DiT;

namespace Soar.Core.Models.UNet;

/// <summary>The hyper-parameters of a <see cref="FlowUNet"/> beyond what every architecture shares.</summary>
public sealed record UNetConfig : ModelConfig
{
    public const string Name = "unet";
    /// <summary>GroupNorm epsilon (PyTorch's default).</summary>
    public const double NormEps = 1e-5;

    /// <summary>GroupNorm groups of every block (channel counts must divide by it).</summary>
    public const int Groups = 8;

    public override string Architecture => Name;
    /// <summary>
    /// Side of the pixel patches folded into channels before the first level (pixel_unshuffle) and unfolded after the
    /// last: 2 runs the U-Net on a 16x16 grid of 12-channel cells, with four times fewer pixels at each level.
    /// </summary>
    public int PatchSize { get; init; } = 1;
    /// <summary>Channels at full resolution; level i has BaseChannels * ChannelMults[i] and half the previous side.</summary>
    public int BaseChannels { get; init; } = 16;
    public IReadOnlyList<int> ChannelMults { get; init; } = [1, 2, 4];
    public int ResBlocksPerLevel { get; init; } = 1;
    /// <summary>Levels whose side is at most this many pixels attend to themselves and the caption tokens.</summary>
    public int AttentionResolution { get; init; } = 8;
    public int Heads { get; init; } = 4;
    /// <summary>Width of the caption encoder and of the timestep + pooled-caption condition vector.</summary>
    public int TextDim { get; init; } = 128;
    public int TextHeads { get; init; } = 4;
    public int TextLayers { get; init; } = 1;
    public double MlpRatio { get; init; } = 4.0;

    /// <summary>Named sizes: unet-tiny (16-32-64 channels, fewer FLOPs than the DiT tiny) steps no slower than it on 2 CPU cores; unet-small is twice as wide with two blocks a level.</summary>
    public static IReadOnlyDictionary<string, UNetConfig> Presets { get; } = new Dictionary<string, UNetConfig>
    {
        ["unet-tiny"] = new() { BaseChannels = 16, ChannelMults = [1, 2, 4], ResBlocksPerLevel = 1, TextDim = 128, TextLayers = 1 },
        ["unet-tiny-p2"] = new() { PatchSize = 2, BaseChannels = 32, ChannelMults = [1, 2, 4], ResBlocksPerLevel = 1, TextDim = 128, TextLayers = 1 },
        ["unet-small"] = new() { BaseChannels = 32, ChannelMults = [1, 2, 4], ResBlocksPerLevel = 2, TextDim = 256, TextLayers = 2 },
    };

    public int ChannelsAt(int level) => BaseChannels * ChannelMults[level];

    /// <summary>Side length of a level's feature maps (in patches when PatchSize > 1).</summary>
    public int SideAt(int level) => ImageSize / PatchSize >> level;

    public override void CheckLimits(string source)
    {
        // Generous bounds per field (far above the presets), then a memory estimate against the same limit as the DiT's.
        ArchitectureLimits.Bound(source, nameof(ImageSize), ImageSize, 1, 4096);
        ArchitectureLimits.Bound(source, nameof(Channels), Channels, 1, 64);
        ArchitectureLimits.Bound(source, nameof(PatchSize), PatchSize, 1, 16);
        ArchitectureLimits.Bound(source, nameof(BaseChannels), BaseChannels, 1, 4096);
        ArchitectureLimits.Bound(source, "ChannelMults.Count", ChannelMults.Count, 1, 12);
        foreach (var m in ChannelMults) ArchitectureLimits.Bound(source, nameof(ChannelMults), m, 1, 64);
        ArchitectureLimits.Bound(source, nameof(ResBlocksPerLevel), ResBlocksPerLevel, 1, 16);
        ArchitectureLimits.Bound(source, nameof(Heads), Heads, 1, 256);
        ArchitectureLimits.Bound(source, nameof(TextDim), TextDim, 1, 16384);
        ArchitectureLimits.Bound(source, nameof(TextHeads), TextHeads, 1, 256);
        ArchitectureLimits.Bound(source, nameof(TextLayers), TextLayers, 0, 128);
        ArchitectureLimits.Bound(source, nameof(MlpRatio), MlpRatio, 0.25, 16);
        ArchitectureLimits.Bound(source, nameof(VocabSize), VocabSize, 2, 1 << 21);
        ArchitectureLimits.Bound(source, nameof(MaxTokens), MaxTokens, 1, 4096);
        ArchitectureLimits.RefuseAbove(source, Estimate());
    }

    public override ArchitectureLimits.Estimate Estimate()
    {
        double d = TextDim, parameters = (double)VocabSize * d + TextLayers * (4 + 2 * MlpRatio) * d * d, activations = 0, kept = 0, largest = 0;
        for (int i = 0; i < ChannelMults.Count; i++)
        {
            double c = (double)BaseChannels * ChannelMults[i], pixels = Math.Pow((double)ImageSize / PatchSize / (1L << i), 2);
            // Down and up path: two 3x3 convs and a condition projection per block; about eight c-wide maps kept per block.
            parameters += 2 * ResBlocksPerLevel * (2 * 9 * c * c + 2 * d * c);
            activations += 2 * ResBlocksPerLevel * 8 * c * pixels;
            // Checkpointed: a block's input and its gradient (three maps with its caption attention), one block rebuilt at a time.
            kept += 2 * ResBlocksPerLevel * 3 * c * pixels;
            largest = Math.Max(largest, 8 * c * pixels);
        }
        return new ArchitectureLimits.Estimate(parameters, 4 * parameters, 4 * activations, 4 * (kept + largest));
    }

    public override void Validate()
    {
        base.Validate();
        if (BaseChannels < 1 || ChannelMults.Count < 1 || ChannelMults.Any(m => m < 1) || ResBlocksPerLevel < 1 || Heads < 1 || TextDim < 1 || TextHeads < 1 || TextLayers < 0 || !(MlpRatio > 0))
            throw new ArgumentException($"base channels {BaseChannels}, channel multipliers [{string.Join(", ", ChannelMults)}], res blocks {ResBlocksPerLevel}, heads {Heads}, text width {TextDim}, text heads {TextHeads} and MLP ratio {MlpRatio} must be positive");
        if (PatchSize < 1 || ImageSize % PatchSize != 0)
            throw new ArgumentException($"image size {ImageSize} is not a multiple of the patch size {PatchSize}");
        if (ImageSize / PatchSize % (1 << (ChannelMults.Count - 1)) != 0)
            throw new ArgumentException($"image size {ImageSize} / patch size {PatchSize} must halve evenly {ChannelMults.Count - 1} times (one per level below the first)");
        for (int i = 0; i < ChannelMults.Count; i++)
        {
            if (ChannelsAt(i) % Groups != 0) throw new ArgumentException($"level {i} has {ChannelsAt(i)} channels, not a multiple of the {Groups} GroupNorm groups");
            if (ChannelsAt(i) % Heads != 0) throw new ArgumentException($"level {i} has {ChannelsAt(i)} channels, not a multiple of the {Heads} attention heads");
        }
        if (TextDim % TextHeads != 0) throw new ArgumentException($"text width {TextDim} is not a multiple of the text head count {TextHeads}");
    }
}
