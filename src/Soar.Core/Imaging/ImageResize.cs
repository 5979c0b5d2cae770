using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Soar.Core.Imaging;

/// <summary>Scales an image to a square: cover and crop the centre (the usual text-to-image training crop), or fit and pad.</summary>
public static class ImageResize
{
    public static RgbImage ToSquare(RgbImage image, int side) => Resize(image, side, ResizeMode.Crop);

    /// <summary>Fits the whole image in the square, centred between black bars.</summary>
    public static RgbImage PadToSquare(RgbImage image, int side) => Resize(image, side, ResizeMode.Pad);

    private static RgbImage Resize(RgbImage image, int side, ResizeMode mode)
    {
        if (side <= 0) throw new ArgumentOutOfRangeException(nameof(side), $"side must be positive, got {side}");
        if (image.Width == side && image.Height == side) return new RgbImage(side, side, (byte[])image.Pixels.Clone());
        using var img = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        img.Mutate(x => x.Resize(new ResizeOptions
        {
            Size = new Size(side, side),
            Mode = mode,
            Position = AnchorPositionMode.Center,
            PadColor = Color.Black,
            Sampler = KnownResamplers.Bicubic,
        }));
        var pixels = new byte[side * side * 3];
        img.CopyPixelDataTo(pixels);
        return new RgbImage(side, side, pixels);
    }
}
