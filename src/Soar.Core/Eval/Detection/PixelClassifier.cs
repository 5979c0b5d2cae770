using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Eval.Detection;

/// <summary>
/// Labels each pixel with the nearest of black (background) and the <see cref="ShapePalette"/> colours. Pixels farther
/// than <see cref="MaxDistance"/> from all of them count as background, so noise between colours is not ink.
/// </summary>
public static class PixelClassifier
{
    public const int Background = -1;

    /// <summary>Half the smallest palette separation (128) times sqrt 3, rounded: a generous but unambiguous radius.</summary>
    public const double MaxDistance = 110;

    /// <summary>Palette index per pixel (row-major), or <see cref="Background"/>.</summary>
    public static int[] Label(RgbImage image)
    {
        var labels = new int[image.Width * image.Height];
        var palette = ShapePalette.Colors;
        for (int p = 0; p < labels.Length; p++)
        {
            int r = image.Pixels[3 * p], g = image.Pixels[3 * p + 1], b = image.Pixels[3 * p + 2];
            int best = Background;
            double bestD = r * r + g * g + b * b;
            for (int c = 0; c < palette.Count; c++)
            {
                var (pr, pg, pb) = palette[c].Rgb;
                double d = (r - pr) * (r - pr) + (g - pg) * (g - pg) + (b - pb) * (b - pb);
                if (d < bestD) { bestD = d; best = c; }
            }
            labels[p] = best != Background && bestD <= MaxDistance * MaxDistance ? best : Background;
        }
        return labels;
    }
}
