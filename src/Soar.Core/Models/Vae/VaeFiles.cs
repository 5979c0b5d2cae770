using Soar.Core.Checkpoints;
using Soar.Core.Imaging;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Models.Vae;

/// <summary>
/// Encoding an image file to latents and decoding a latents file, with tensors named as diffusers names them
/// (latent_dist.mean, latent_dist.logvar, latents, sample), for numerical comparison with other implementations.
/// Images are RGB in [-1, 1], NCHW, as diffusers' VaeImageProcessor makes them (2 * pixel / 255 - 1).
/// </summary>
public static class VaeFiles
{
    public const string MeanName = "latent_dist.mean";
    public const string LogVarName = "latent_dist.logvar";
    /// <summary>What the SD3 pipeline feeds its transformer: (z - shift_factor) * scaling_factor.</summary>
    public const string LatentsName = "latents";
    public const string SampleName = "sample";
    private static readonly Dictionary<string, string> FormatMetadata = new() { ["format"] = "pt" };

    /// <summary>An image as a [1, 3, H, W] float32 tensor in [-1, 1].</summary>
    public static Tensor FromImage(RgbImage image)
    {
        using var bytes = tensor(image.Pixels, [1, image.Height, image.Width, 3]);
        using var chw = bytes.permute(0, 3, 1, 2).to(ScalarType.Float32);
        return (chw / 127.5 - 1.0).contiguous();
    }

    /// <summary>
    /// Encodes the image at <paramref name="imagePath"/> and writes the posterior's mean and (clamped) logvar and the
    /// scaled, shifted latents: of the mean, or of a sample drawn with a CPU generator seeded <paramref name="sampleSeed"/>.
    /// </summary>
    public static void EncodeImage(AutoencoderKL model, string imagePath, long? sampleSeed, string outputPath)
    {
        if (model.Config.InChannels != 3)
            throw new InvalidDataException($"the VAE takes {model.Config.InChannels}-channel inputs (in_channels); images are RGB, so encode-image needs in_channels 3");
        var image = ImageCodec.Decode(File.ReadAllBytes(imagePath), imagePath);
        int f = model.Config.DownscaleFactor;
        if (image.Width % f != 0 || image.Height % f != 0)
            throw new InvalidDataException($"{imagePath}: {image.Width} x {image.Height} pixels; this VAE needs width and height that are multiples of {f} (resize or crop it first)");
        using var scope = NewDisposeScope();
        model.eval();
        using var noGrad = no_grad();
        using var posterior = model.Encode(FromImage(image));
        Tensor z;
        if (sampleSeed is { } seed)
        {
            using var generator = new Generator((ulong)seed);
            z = posterior.Sample(generator);
        }
        else z = posterior.Mean;
        SafeTensorsFile.Save(outputPath, new Dictionary<string, Tensor>
        {
            [MeanName] = posterior.Mean,
            [LogVarName] = posterior.LogVar,
            [LatentsName] = model.ToLatents(z),
        }, FormatMetadata);
    }

    /// <summary>
    /// Reads "latents" (the denoiser's scaled, shifted latents) from <paramref name="latentsPath"/>, decodes
    /// latents / scaling_factor + shift_factor and writes "sample" (unclamped) to a .safetensors file, or the image,
    /// clamped to [-1, 1] and rounded to 8 bits, to a .png file (one latent only).
    /// </summary>
    public static void DecodeLatents(AutoencoderKL model, string latentsPath, string outputPath)
    {
        bool png = outputPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase);
        if (!png && !outputPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--out {outputPath}: write a .png image or a .safetensors file holding '{SampleName}'");
        using var scope = NewDisposeScope();
        var (tensors, _) = SafeTensorsFile.Load(latentsPath);
        if (!tensors.TryGetValue(LatentsName, out var latents))
            throw new InvalidDataException($"{latentsPath}: no tensor '{LatentsName}' (holds {string.Join(", ", tensors.Keys)}); write the scaled latents as '{LatentsName}' [B, {model.Config.LatentChannels}, h, w]");
        if (latents.dim() != 4 || latents.shape[1] != model.Config.LatentChannels || !is_floating_point(latents))
            throw new InvalidDataException($"{latentsPath}: '{LatentsName}' is {latents.dtype} [{string.Join(", ", latents.shape)}]; this VAE decodes float [B, {model.Config.LatentChannels}, h, w] (latent_channels {model.Config.LatentChannels})");
        if (png && (latents.shape[0] != 1 || model.Config.OutChannels != 3))
            throw new InvalidDataException($"{latentsPath}: a PNG holds one RGB image, but '{LatentsName}' has batch {latents.shape[0]} and the VAE {model.Config.OutChannels} output channels; write a .safetensors file instead");
        model.eval();
        using var noGrad = no_grad();
        var dtype = model.parameters().First().dtype;
        var sample = model.Decode(model.FromLatents(latents.to(dtype)));
        if (png) ImageCodec.SavePng(TrainingSet.ToImages(sample)[0], outputPath);
        else SafeTensorsFile.Save(outputPath, new Dictionary<string, Tensor> { [SampleName] = sample }, FormatMetadata);
    }
}
