using System.Text.Json.Serialization;
using Soar.Core.Models.SD3;

namespace Soar.Core.Models.Pipeline;

/// <summary>
/// The sd3-pipeline architecture: a diffusers pipeline folder's SD3Transformer2DModel trained in its VAE's latent space
/// on prompt embeddings of its text encoders, cached by the curate stage. The shared fields describe the latents:
/// ImageSize is the latent side, Channels the latent channels; captions are rows of a <see cref="PromptTable"/>
/// (one "token" each). Pipeline is the folder the VAE and text encoders are read from for sampling, checked against
/// the content hashes recorded here.
/// </summary>
public sealed record SD3PipelineConfig : ModelConfig
{
    public const string Name = "sd3-pipeline";

    public override string Architecture => Name;

    /// <summary>The transformer's config (diffusers' keys as <see cref="SD3Config"/> reads them).</summary>
    public required SD3Config Transformer { get; init; }
    /// <summary>The pipeline folder (absolute) whose VAE decodes and whose text encoders encode prompts.</summary>
    public required string Pipeline { get; init; }
    public required string VaeHash { get; init; }
    public required string TextEncodersHash { get; init; }
    /// <summary>T5's sequence length the prompts were encoded with (diffusers' max_sequence_length).</summary>
    public int MaxSequenceLength { get; init; } = 256;

    [JsonIgnore] public int PixelSize => ImageSize * VaeDownscale;
    /// <summary>Pixels per latent along a side (2^(VAE blocks - 1)).</summary>
    public int VaeDownscale { get; init; } = 8;

    public override void CheckLimits(string source) => Transformer.CheckLimits(source);

    /// <summary>The transformer's estimate for SD3's prompt embeddings: 77 CLIP tokens and MaxSequenceLength T5 tokens.</summary>
    public override DiT.ArchitectureLimits.Estimate Estimate() => Transformer.Estimate(77 + MaxSequenceLength);

    public override void Validate()
    {
        base.Validate();
        Transformer.ValidateTransformer();
        if (Transformer.InChannels != Channels || Transformer.OutputChannels != Channels)
            throw new ArgumentException($"the transformer's in_channels {Transformer.InChannels} and out_channels {Transformer.OutputChannels} must equal the VAE's latent_channels {Channels}");
        if (ImageSize % Transformer.PatchSize != 0)
            throw new ArgumentException($"latents of side {ImageSize} are not a multiple of patch_size {Transformer.PatchSize}");
        if (ImageSize / Transformer.PatchSize > Transformer.PosEmbedMaxSize)
            throw new ArgumentException($"latents of side {ImageSize} / patch_size {Transformer.PatchSize} exceed pos_embed_max_size {Transformer.PosEmbedMaxSize}");
        if (Pipeline.Length == 0) throw new ArgumentException("Pipeline (the diffusers folder) is empty");
    }
}
