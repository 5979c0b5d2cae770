using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Eval.Detection;

/// <summary>
/// The glyphs world's text recogniser (stands in for PaddleOCR): for every string length the world can draw it lays
/// out character cells at the world's scale and centring (and one-pixel shifts of it), reads each cell as the
/// <see cref="GlyphFont"/> bitmap that agrees with most of its pixels, and keeps the reading whose rendering agrees
/// with most pixels of the whole canvas. Exact on ground-truth renders; a noisy pixel only costs one vote.
/// A cell holds a character only when its glyph agrees with more of the cell's pixels than a blank and than a solid
/// cell would, so a blank, speckled or constant canvas (or a filled region) reads as no text.
/// </summary>
public static class GlyphReader
{
    private static readonly bool[][] Bitmaps = GlyphFont.Alphabet.Select(c =>
        Enumerable.Range(0, GlyphFont.Width * GlyphFont.Height).Select(i => GlyphFont.Ink(c, i % GlyphFont.Width, i / GlyphFont.Width)).ToArray()).ToArray();

    // The exact layout first, so on a tie the world's own placement wins.
    private static readonly (int Dx, int Dy)[] Shifts =
        [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1)];

    public static string Read(RgbImage image)
    {
        var labels = PixelClassifier.Label(image);
        var ink = new InkCounts(labels.Select(l => l != PixelClassifier.Background).ToArray(), image.Width, image.Height);
        if (ink.Total == 0) return "";
        int size = Math.Min(image.Width, image.Height);
        string best = "";
        long bestScore = -1;
        for (int length = 1; length <= GlyphsWorld.MaxLength; length++)
        {
            int k = GlyphsWorld.Scale(length, size);
            if (k < 1) continue;
            int pitch = (GlyphFont.Width + GlyphFont.Spacing) * k;
            int width = length * pitch - GlyphFont.Spacing * k, height = GlyphFont.Height * k;
            int baseX = (image.Width - width) / 2, baseY = (image.Height - height) / 2;
            foreach (var (dx, dy) in Shifts)
            {
                int x0 = baseX + dx, y0 = baseY + dy;
                if (x0 < 0 || y0 < 0 || x0 + width > image.Width || y0 + height > image.Height) continue;
                // Agreement over the canvas = blank pixels outside the cells + per-cell agreement of the chosen glyphs.
                long score = image.Width * image.Height - ink.Total;
                var text = new List<char>(length);
                for (int i = 0; i < length; i++)
                {
                    int cx = x0 + i * pitch;
                    var (c, agree, blank) = ReadCell(ink, cx, y0, k);
                    score += agree - blank;
                    if (c is { } ch) text.Add(ch);
                }
                if (score > bestScore) { bestScore = score; best = new string(text.ToArray()); }
            }
        }
        return best;
    }

    /// <summary>
    /// The glyph agreeing with most pixels of the cell at (cx, cy), or none when a blank or a solid cell agrees with
    /// as many; the agreement of the cell's reading, and how many of its pixels are blank.
    /// </summary>
    private static (char? Char, int Agreement, int Blank) ReadCell(InkCounts ink, int cx, int cy, int k)
    {
        var blocks = new int[GlyphFont.Width * GlyphFont.Height];
        for (int i = 0; i < blocks.Length; i++)
            blocks[i] = ink.Sum(cx + i % GlyphFont.Width * k, cy + i / GlyphFont.Width * k, k, k);
        int best = 0, bestScore = -1;
        for (int c = 0; c < Bitmaps.Length; c++)
        {
            int score = 0;
            for (int i = 0; i < blocks.Length; i++) score += Bitmaps[c][i] ? blocks[i] : k * k - blocks[i];
            if (score > bestScore) { bestScore = score; best = c; }
        }
        int inked = blocks.Sum(), blank = blocks.Length * k * k - inked;
        int plain = Math.Max(blank, inked);
        return bestScore > plain ? (GlyphFont.Alphabet[best], bestScore, blank) : (null, plain, blank);
    }

    /// <summary>An integral image of the ink mask: any rectangle's ink count in four lookups.</summary>
    private sealed class InkCounts
    {
        private readonly int[] _sum;
        private readonly int _stride;
        public int Total { get; }

        public InkCounts(bool[] ink, int w, int h)
        {
            _stride = w + 1;
            _sum = new int[(w + 1) * (h + 1)];
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    _sum[(y + 1) * _stride + x + 1] = (ink[y * w + x] ? 1 : 0) + _sum[y * _stride + x + 1] + _sum[(y + 1) * _stride + x] - _sum[y * _stride + x];
            Total = _sum[h * _stride + w];
        }

        public int Sum(int x, int y, int w, int h) =>
            _sum[(y + h) * _stride + x + w] - _sum[y * _stride + x + w] - _sum[(y + h) * _stride + x] + _sum[y * _stride + x];
    }
}
