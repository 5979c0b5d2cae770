namespace Soar.Core.Imaging;

/// <summary>Bounds checked on an image header before any pixel is decoded (refuses decompression bombs).</summary>
public sealed record ImageLimits(long MaxPixels = ImageLimits.DefaultMaxPixels)
{
    public const long DefaultMaxPixels = 16L * 1024 * 1024;

    public static ImageLimits Default { get; } = new();
}
