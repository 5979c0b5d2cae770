using System.Text.RegularExpressions;
using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Tests.Worlds;

public sealed class GlyphsWorldTests
{
    private readonly GlyphsWorld _world = new();

    [Fact]
    public void CaptionsAreTheTextInQuotes()
    {
        foreach (var sample in _world.Sample(1, 500, 32))
        {
            var m = Regex.Match(sample.Caption, "^the text \"([A-Z0-9]{2,4})\"$");
            Assert.True(m.Success, sample.Caption);
            Assert.Equal(m.Groups[1].Value, sample.Annotations.Text);
            Assert.Equal(m.Groups[1].Value, sample.Annotations.Spec.Text);
            Assert.Equal(TaskFamily.Text, sample.Family);
        }
    }

    [Fact]
    public void SameSeedGivesSameBytes()
    {
        for (int i = 0; i < 20; i++)
            Assert.Equal(ImageCodec.EncodePng(_world.Generate(3, i, 32).Image), ImageCodec.EncodePng(new GlyphsWorld().Generate(3, i, 32).Image));
        Assert.NotEqual(_world.Sample(3, 10, 32).Select(s => s.Caption), _world.Sample(4, 10, 32).Select(s => s.Caption));
    }

    [Fact]
    public void HeldOutStringsNeverAppearInTwentyThousandTrainingSamples()
    {
        var heldOut = _world.HeldOutPrompts().Select(p => p.Caption).ToHashSet();
        Assert.Equal(32, heldOut.Count);
        foreach (var sample in _world.Sample(9, 20_000, 32))
            Assert.DoesNotContain(sample.Caption, heldOut);
    }

    [Fact]
    public void CellsHoldExactlyTheFontBitmapsOfTheText()
    {
        foreach (var sample in _world.Sample(2, 200, 32).Concat(_world.HeldOutPrompts().Select(p => _world.Render(p, 1, 48))))
        {
            var image = sample.Image;
            var colour = ShapePalette.Rgb(sample.Annotations.TextColor!);
            var chars = sample.Annotations.Chars;
            Assert.Equal(sample.Annotations.Text, new string(chars.Select(c => c.Char).ToArray()));
            for (int y = 0; y < image.Height; y++)
                for (int x = 0; x < image.Width; x++)
                    if (!chars.Any(c => c.Box.Contains(x, y)))
                        Assert.Equal((0, 0, 0), image[x, y]);
            foreach (var c in chars)
            {
                Assert.Equal(c.Box.Width * GlyphFont.Height, c.Box.Height * GlyphFont.Width);
                Assert.Equal(c.Char, Recognise(image, c.Box, colour));
            }
            Assert.InRange(chars[0].Box.X0 - (image.Width - chars[^1].Box.X1), -1, 1); // centred
        }
    }

    [Fact]
    public void GlyphsAreDistinctAndCoverTheAlphabet()
    {
        Assert.Equal(36, GlyphFont.Alphabet.Count);
        var bitmaps = GlyphFont.Alphabet.Select(c => string.Concat(
            from y in Enumerable.Range(0, GlyphFont.Height) from x in Enumerable.Range(0, GlyphFont.Width) select GlyphFont.Ink(c, x, y) ? '#' : '.')).ToList();
        Assert.Equal(36, bitmaps.Distinct().Count());
        Assert.All(bitmaps, b => Assert.Contains('#', b));
    }

    [Fact]
    public void ScaleIsTheLargestThatFits()
    {
        Assert.Equal(1, GlyphsWorld.Scale(4, 32));
        Assert.Equal(2, GlyphsWorld.Scale(2, 32));
        Assert.Equal(5, GlyphsWorld.Scale(2, 64)); // 2 chars = 11 px per scale step; 5 * 11 = 55 <= 62
        Assert.Throws<ArgumentOutOfRangeException>(() => _world.Generate(0, 0, GlyphsWorld.MinImageSize - 1));
        Assert.Throws<ArgumentException>(() => _world.Render(GlyphsWorld.Prompt("a!"), 0, 32));
    }

    [Fact]
    public void CatalogFindsWorldsByName()
    {
        Assert.IsType<ShapesWorld>(WorldCatalog.Get("shapes"));
        Assert.IsType<GlyphsWorld>(WorldCatalog.Get("GLYPHS"));
        var e = Assert.Throws<ArgumentException>(() => WorldCatalog.Get("faces"));
        Assert.Contains("shapes", e.Message);
        Assert.Contains("glyphs", e.Message);
    }

    /// <summary>Reads a character back by matching its cell, downsampled by the scale, against every glyph bitmap.</summary>
    private static char Recognise(RgbImage image, BoundingBox cell, (byte R, byte G, byte B) colour)
    {
        int k = cell.Width / GlyphFont.Width;
        var matches = GlyphFont.Alphabet.Where(c =>
            Enumerable.Range(0, cell.Height).All(y => Enumerable.Range(0, cell.Width).All(x =>
                (image[cell.X0 + x, cell.Y0 + y] == colour) == GlyphFont.Ink(c, x / k, y / k)))).ToList();
        return Assert.Single(matches);
    }
}
