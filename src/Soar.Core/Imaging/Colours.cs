using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Soar.Core.Imaging;

/// <summary>Colours given as text: a CSS/X11 name (white, black, gray, ...) or hex (#RGB, #RRGGBB).</summary>
public static class Colours
{
    public static (byte R, byte G, byte B) Parse(string text, string parameter)
    {
        var t = text.Trim();
        bool hex = t.Length > 0 && t.TrimStart('#').All(Uri.IsHexDigit) && t.TrimStart('#').Length is 3 or 6;
        // An alpha component would make "the colour under transparent pixels" itself transparent.
        if (hex ? Color.TryParseHex(t, out var colour) : Color.TryParse(t, out colour))
        {
            var p = colour.ToPixel<Rgba32>();
            if (p.A == 255) return (p.R, p.G, p.B);
        }
        throw new ArgumentException($"{parameter} '{text}' is not an opaque colour: use a name (white, black, gray, ...) or hex #RRGGBB");
    }

    /// <summary>"#RRGGBB", lower case.</summary>
    public static string ToHex((byte R, byte G, byte B) c) => $"#{c.R:x2}{c.G:x2}{c.B:x2}";
}
