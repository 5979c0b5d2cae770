using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Soar.Core.Imaging;

namespace Soar.Core.Curation;

/// <summary>Applies a <see cref="SquareFit"/>.</summary>
public static class SquareFitting
{
    public static SquareFit Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "crop" => SquareFit.Crop,
        "pad" => SquareFit.Pad,
        _ => throw new ArgumentException($"Fit '{text}' is unknown; use crop (centre crop) or pad (black bars)"),
    };

    public static RgbImage Apply(RgbImage image, int side, SquareFit fit)
    {
        if (fit == SquareFit.Crop || image.Width == image.Height) return ImageResize.ToSquare(image, side);
        using var img = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        img.Mutate(x => x.Resize(new ResizeOptions
        {
            Size = new Size(side, side),
            Mode = ResizeMode.Pad,
            Position = AnchorPositionMode.Center,
            PadColor = Color.Black,
            Sampler = KnownResamplers.Bicubic,
        }));
        var pixels = new byte[side * side * 3];
        img.CopyPixelDataTo(pixels);
        return new RgbImage(side, side, pixels);
    }
}
