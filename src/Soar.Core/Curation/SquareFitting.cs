using Soar.Core.Imaging;

namespace Soar.Core.Curation;

/// <summary>Applies a <see cref="SquareFit"/>.</summary>
public static class SquareFitting
{
    public static SquareFit Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "crop" => SquareFit.Crop,
        "pad" => SquareFit.Pad,
        "center" => SquareFit.Center,
        _ => throw new ArgumentException($"Fit '{text}' is unknown; use crop (scale to cover, centre crop), pad (black bars) or center (centre crop without scaling)"),
    };

    /// <param name="source">names the row in the error of an image too small for <see cref="SquareFit.Center"/>.</param>
    public static RgbImage Apply(RgbImage image, int side, SquareFit fit, string source = "image")
    {
        if (fit == SquareFit.Center) return CenterSquare(image, side, source);
        // A square image needs no bars, so it takes the crop path (a plain resize) either way.
        return fit == SquareFit.Crop || image.Width == image.Height ? ImageResize.ToSquare(image, side) : ImageResize.PadToSquare(image, side);
    }

    /// <summary>The centre side x side pixels, unscaled (top-left at ((w - side) / 2, (h - side) / 2)).</summary>
    public static RgbImage CenterSquare(RgbImage image, int side, string source = "image")
    {
        if (image.Width < side || image.Height < side)
            throw new ImageTooSmallException(source, image.Width, image.Height, side);
        int left = (image.Width - side) / 2, top = (image.Height - side) / 2;
        var pixels = new byte[side * side * 3];
        for (int y = 0; y < side; y++)
            Buffer.BlockCopy(image.Pixels, ((top + y) * image.Width + left) * 3, pixels, y * side * 3, side * 3);
        return new RgbImage(side, side, pixels);
    }
}
