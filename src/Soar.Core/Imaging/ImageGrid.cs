namespace Soar.Core.Imaging;

/// <summary>
/// Composes images into one grid (row-major), with padding, an optional coloured border per cell, nearest-neighbour
/// upscaling (<see cref="Scale"/>) and an optional caption under each cell (<see cref="CaptionLabel"/>).
/// </summary>
public sealed class ImageGrid
{
    public static readonly (byte R, byte G, byte B) Pass = (0, 200, 0);
    public static readonly (byte R, byte G, byte B) Fail = (220, 0, 0);

    public int Columns { get; init; } = 8;
    public int Padding { get; init; } = 2;
    /// <summary>Width of the per-cell border drawn inside the padding (0 = none); must not exceed <see cref="Padding"/>.</summary>
    public int BorderWidth { get; init; } = 1;
    public (byte R, byte G, byte B) Background { get; init; } = (32, 32, 32);
    /// <summary>Each image is drawn this many times larger, pixel for pixel (1 = as is).</summary>
    public int Scale { get; init; } = 1;
    /// <summary>Lines of caption text reserved under each cell when labels are given.</summary>
    public int LabelLines { get; init; } = 3;
    public (byte R, byte G, byte B) LabelColour { get; init; } = (230, 230, 230);

    /// <summary>The scale that shows images of this side at least <paramref name="minimum"/> pixels wide.</summary>
    public static int ReadableScale(int side, int minimum = 128) => Math.Max(1, (minimum + side - 1) / side);

    /// <summary>Builds the grid. <paramref name="borders"/>, when given, holds one colour (or null for none) per image.</summary>
    /// <paramref name="labels"/>, when given, holds one caption per image, written under it.
    public RgbImage Compose(IReadOnlyList<RgbImage> images, IReadOnlyList<(byte R, byte G, byte B)?>? borders = null, IReadOnlyList<string>? labels = null)
    {
        if (Scale < 1) throw new ArgumentOutOfRangeException(nameof(Scale), $"Scale must be at least 1, got {Scale}");
        if (labels is not null && labels.Count != images.Count)
            throw new ArgumentException($"got {labels.Count} labels for {images.Count} images", nameof(labels));
        if (Scale > 1) images = images.Select(Upscale).ToList();
        if (images.Count == 0) throw new ArgumentException("a grid needs at least one image", nameof(images));
        if (Columns <= 0) throw new ArgumentOutOfRangeException(nameof(Columns), $"Columns must be positive, got {Columns}");
        if (Padding < 0 || BorderWidth < 0 || BorderWidth > Padding)
            throw new ArgumentOutOfRangeException(nameof(BorderWidth), $"need 0 <= BorderWidth ({BorderWidth}) <= Padding ({Padding})");
        if (borders is not null && borders.Count != images.Count)
            throw new ArgumentException($"got {borders.Count} border colours for {images.Count} images", nameof(borders));

        int imageH = images.Max(i => i.Height);
        int labelH = labels is null ? 0 : LabelLines * CaptionLabel.LineHeight + 2;
        int cellW = images.Max(i => i.Width), cellH = imageH + labelH;
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
            if (labels is not null) CaptionLabel.Draw(grid, CaptionLabel.Wrap(labels[n], cellW, LabelLines), x0, y0 + imageH + 2, LabelColour);
        }
        return grid;
    }

    /// <summary>Composes and writes the grid as PNG (temp + rename).</summary>
    public void Save(string path, IReadOnlyList<RgbImage> images, IReadOnlyList<(byte R, byte G, byte B)?>? borders = null, IReadOnlyList<string>? labels = null) =>
        ImageCodec.SavePng(Compose(images, borders, labels), path);

    private RgbImage Upscale(RgbImage image)
    {
        var big = new RgbImage(image.Width * Scale, image.Height * Scale);
        for (int y = 0; y < big.Height; y++)
            for (int x = 0; x < big.Width; x++)
                big[x, y] = image[x / Scale, y / Scale];
        return big;
    }

    private static void Fill(RgbImage image, int x0, int y0, int w, int h, (byte R, byte G, byte B) colour)
    {
        for (int y = y0; y < y0 + h; y++)
            for (int x = x0; x < x0 + w; x++)
                image[x, y] = colour;
    }
}
