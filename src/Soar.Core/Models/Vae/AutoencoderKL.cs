using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Vae;

/// <summary>
/// diffusers' AutoencoderKL with its parameter names: encoder, decoder, quant_conv and post_quant_conv (each 1x1,
/// absent when use_quant_conv / use_post_quant_conv is false, as in SD3's VAE). Initialisation is PyTorch's default
/// in diffusers' construction order. <see cref="ToLatents"/> and <see cref="FromLatents"/> apply scaling_factor and
/// shift_factor as the SD3 pipeline does around its transformer.
/// </summary>
public sealed class AutoencoderKL : Module
{
    private readonly VaeConfig _config;
    private readonly VaeEncoder encoder;
    private readonly VaeDecoder decoder;
    private readonly Conv2d? quant_conv;
    private readonly Conv2d? post_quant_conv;

    public VaeConfig Config => _config;

    public AutoencoderKL(VaeConfig config) : base(nameof(AutoencoderKL))
    {
        config.Validate();
        _config = config;
        encoder = new VaeEncoder(config);
        decoder = new VaeDecoder(config);
        int c = config.LatentChannels;
        if (config.UseQuantConv) quant_conv = Conv2d(2 * c, 2 * c, 1);
        if (config.UsePostQuantConv) post_quant_conv = Conv2d(c, c, 1);
        RegisterComponents();
    }

    /// <param name="images">[B, in_channels, H, W] in [-1, 1], H and W multiples of <see cref="VaeConfig.DownscaleFactor"/>.</param>
    /// <returns>The posterior over [B, latent_channels, H / f, W / f] latents (diffusers' latent_dist).</returns>
    public DiagonalGaussian Encode(Tensor images)
    {
        CheckInput(images, _config.InChannels, "images");
        int f = _config.DownscaleFactor;
        if (images.shape[2] % f != 0 || images.shape[3] % f != 0)
            throw new ArgumentException($"images are {images.shape[2]} x {images.shape[3]}; the encoder needs multiples of {f} (2 per block but the last)", nameof(images));
        using var scope = NewDisposeScope();
        var moments = encoder.forward(images);
        if (quant_conv is not null) moments = quant_conv.forward(moments);
        var posterior = new DiagonalGaussian(moments);
        posterior.Mean.MoveToOuterDisposeScope();
        posterior.LogVar.MoveToOuterDisposeScope();
        return posterior;
    }

    /// <param name="z">[B, latent_channels, h, w] unscaled latents (the VAE's own space).</param>
    /// <returns>[B, out_channels, h * f, w * f] images, nominally in [-1, 1] (not clamped, as diffusers' decode).</returns>
    public Tensor Decode(Tensor z)
    {
        CheckInput(z, _config.LatentChannels, "latents");
        using var scope = NewDisposeScope();
        var h = post_quant_conv is null ? z : post_quant_conv.forward(z);
        return decoder.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>The denoiser's latents from the VAE's: (z - shift_factor) * scaling_factor.</summary>
    public Tensor ToLatents(Tensor z) => (z - Shift) * _config.ScalingFactor;

    /// <summary>The VAE's latents from the denoiser's: latents / scaling_factor + shift_factor.</summary>
    public Tensor FromLatents(Tensor latents) => latents / _config.ScalingFactor + Shift;

    private double Shift => _config.ShiftFactor ?? 0.0;

    private static void CheckInput(Tensor t, int channels, string what)
    {
        if (t.dim() != 4 || t.shape[1] != channels)
            throw new ArgumentException($"{what} are [{string.Join(", ", t.shape)}]; expected [batch, {channels}, height, width]");
    }
}
