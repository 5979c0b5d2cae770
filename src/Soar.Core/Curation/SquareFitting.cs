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

    // A square image needs no bars, so it takes the crop path (a plain resize) either way.
    public static RgbImage Apply(RgbImage image, int side, SquareFit fit) =>
        fit == SquareFit.Crop || image.Width == image.Height ? ImageResize.ToSquare(image, side) : ImageResize.PadToSquare(image, side);
}
