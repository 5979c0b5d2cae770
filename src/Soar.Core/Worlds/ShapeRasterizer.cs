using Soar.Core.Imaging;

namespace Soar.Core.Worlds;

/// <summary>
/// Draws shapes with hard edges (no anti-aliasing): every pixel is the object's colour or untouched, and every
/// shape touches all four sides of its box, so the box is tight.
/// </summary>
public static class ShapeRasterizer
{
    public static void Draw(RgbImage image, string cls, BoundingBox box, (byte R, byte G, byte B) colour)
    {
        int s = box.Width;
        if (box.Height != s) throw new ArgumentException($"shape boxes are square, got {box.Width}x{box.Height}", nameof(box));
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
                if (Covers(cls, s, x, y))
                    image[box.X0 + x, box.Y0 + y] = colour;
    }

    /// <summary>Whether pixel (x, y) of an s-by-s box belongs to the shape (pixel centres at +0.5).</summary>
    public static bool Covers(string cls, int s, int x, int y)
    {
        double h = s / 2.0, dx = x + 0.5 - h, dy = y + 0.5 - h;
        switch (cls)
        {
            case ShapeClasses.Square:
                return true;
            case ShapeClasses.Circle:
                return dx * dx + dy * dy <= h * h;
            case ShapeClasses.Diamond:
                return Math.Abs(dx) + Math.Abs(dy) <= h;
            case ShapeClasses.Triangle:
                // Apex on the top row, full base on the bottom row.
                return Math.Abs(dx) <= (y + 1) * h / s;
            case ShapeClasses.Cross:
                int t = ArmThickness(s);
                return Math.Abs(dx) <= t / 2.0 || Math.Abs(dy) <= t / 2.0;
            default:
                throw new ArgumentException($"unknown shape class '{cls}'", nameof(cls));
        }
    }

    // About a third of the side, with the side's parity so the arms sit exactly on the centre.
    private static int ArmThickness(int s)
    {
        int t = Math.Max(1, (int)Math.Round(s / 3.0));
        return (t % 2 == s % 2) ? t : t + 1;
    }
}
