namespace Soar.Core.Imaging;

/// <summary>Composes images into one grid (row-major), with padding and an optional coloured border per cell.</summary>
public sealed class ImageGrid
{
    public static readonly (byte R, byte G, byte B) Pass = (0, 200, 0);
    public static readonly (byte R, byte G, byte B) Fail = (220, 0, 0);

    public int Columns { get; init; } = 8;
    public int Padding { get; init; } = 2;
    /// <summary>Width of the per-cell border drawn inside the padding (0 = none); must not exceed <see cref="Padding"/>.</summary>
    public int BorderWidth { get; init; } = 1;
    public (byte R, byte G, byte B) Background { get; init; } = (32, 32, 32);

    /// <summary>Builds the grid. <paramref name="borders"/>, when given, holds one colour (or null for none) per image.</summary>
    public RgbImage Compose(IReadOnlyList<RgbImage> images, IReadOnlyList<(byte R, byte G, byte B)?>? borders = null)
    {
        if (images.Count == 0) throw new ArgumentException("a grid needs at least one image", nameof(images));
        if (Columns <= 0) throw new ArgumentOutOfRangeException(nameof(Columns), $"Columns must be positive, got {Columns}");
        if (Padding < 0 || BorderWidth < 0 || BorderWidth > Padding)
            throw new ArgumentOutOfRangeException(nameof(BorderWidth), $"need 0 <= BorderWidth ({BorderWidth}) <= Padding ({Padding})");
        if (borders is not null && borders.Count != images.Count)
            throw new ArgumentException($"got {borders.Count} border colours for {images.Count} images", nameof(borders));

        int cellW = images.Max(i => i.Width), cellH = images.Max(i => i.Height);
        int cols = Math.Min(Columns, images.Count), rows = (images.Count + cols - 1) / cols;
        int width = cols * cellW + (cols + 1) * Padding, height = rows * cellH + (rows + 1) * Padding;
        var grid = new RgbImage(width, height);
        Fill(grid, 0, 0, width, height, Background);

        for (int n = 0; n < images.Count; n++)
        {
            int x0 = Padding + (n % cols) * (cellW + Padding), y0 = Padding + (n / cols) * (cellH + Padding);
            if (borders?[n] is { } colour && BorderWidth > 0)
            {
                Fill(grid, x0 - BorderWidth, y0 - BorderWidth, cellW + 2 * BorderWidth, cellH + 2 * BorderWidth, colour);
                Fill(grid, x0, y0, cellW, cellH, Background);
            }
            var img = images[n];
            for (int y = 0; y < img.Height; y++)
                Array.Copy(img.Pixels, y * img.Width * 3, grid.Pixels, ((y0 + y) * width + x0) * 3, img.Width * 3);
        }
        return grid;
    }

    /// <summary>Composes and writes the grid as PNG (temp + rename).</summary>
    public void Save(string path, IReadOnlyList<RgbImage> images, IReadOnlyList<(byte R, byte G, byte B)?>? borders = null) =>
        ImageCodec.SavePng(Compose(images, borders), path);

    private static void Fill(RgbImage image, int x0, int y0, int w, int h, (byte R, byte G, byte B) colour)
    {
        for (int y = y0; y < y0 + h; y++)
            for (int x = x0; x < x0 + w; x++)
                image[x, y] = colour;
    }
}
