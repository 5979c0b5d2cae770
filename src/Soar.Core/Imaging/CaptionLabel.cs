using Soar.Core.Worlds;

namespace Soar.Core.Imaging;

/// <summary>
/// Captions written under grid cells in the 5x7 pixel font of the glyphs world (<see cref="GlyphFont"/>): upper case,
/// letters and digits; any other character is a blank, words wrap at the cell width, and a label longer than its
/// lines ends in a gap rather than spilling over. No font files, so every machine draws the same pixels.
/// </summary>
public static class CaptionLabel
{
    public const int LineHeight = GlyphFont.Height + 2;
    private const int Advance = GlyphFont.Width + GlyphFont.Spacing;

    /// <summary>The caption broken into at most <paramref name="maxLines"/> lines of at most <paramref name="width"/> pixels.</summary>
    public static IReadOnlyList<string> Wrap(string caption, int width, int maxLines)
    {
        int perLine = Math.Max(1, (width + GlyphFont.Spacing) / Advance);
        var lines = new List<string>();
        var line = "";
        foreach (var raw in caption.ToUpperInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            // A word wider than a line is cut into line-sized pieces.
            for (var word = raw; word.Length > 0;)
            {
                string piece = word.Length > perLine ? word[..perLine] : word;
                word = word[piece.Length..];
                string candidate = line.Length == 0 ? piece : line + " " + piece;
                if (candidate.Length <= perLine) { line = candidate; continue; }
                lines.Add(line);
                line = piece;
            }
        }
        if (line.Length > 0) lines.Add(line);
        return lines.Take(maxLines).ToList();
    }

    /// <summary>Draws the lines left-aligned from (x, y) in the given colour.</summary>
    public static void Draw(RgbImage image, IReadOnlyList<string> lines, int x, int y, (byte R, byte G, byte B) colour)
    {
        for (int l = 0; l < lines.Count; l++)
            for (int c = 0; c < lines[l].Length; c++)
            {
                char ch = lines[l][c];
                if (!GlyphFont.Supports(ch)) continue;
                for (int gy = 0; gy < GlyphFont.Height; gy++)
                    for (int gx = 0; gx < GlyphFont.Width; gx++)
                    {
                        int px = x + c * Advance + gx, py = y + l * LineHeight + gy;
                        if (GlyphFont.Ink(ch, gx, gy) && px < image.Width && py < image.Height) image[px, py] = colour;
                    }
            }
    }
}
