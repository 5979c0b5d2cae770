using Soar.Core.Eval.Detection;
using Soar.Core.Eval.Scoring;
using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Tests.Eval;

public class OcrScorerTests
{
    private readonly GlyphsWorld _world = new();

    [Theory]
    [InlineData(32)]
    [InlineData(48)]
    [InlineData(64)]
    public void Recogniser_reads_ground_truth_renders_at_least_99_percent(int size)
    {
        int exact = 0, total = 0;
        var misses = new List<string>();
        var samples = _world.HeldOutPrompts().SelectMany(p => Enumerable.Range(0, 4).Select(s => _world.Render(p, s, size)))
            .Concat(_world.Sample(11, 200, size));
        foreach (var sample in samples)
        {
            var read = GlyphReader.Read(sample.Image);
            total++;
            if (read == sample.Annotations.Text) exact++; else misses.Add($"{sample.Annotations.Text}->{read}");
            Assert.Equal(read == sample.Annotations.Text ? 1.0 : OcrScorer.ScoreText(read, sample.Caption), OcrScorer.Score(sample.Image, sample.Caption));
        }
        Assert.True(exact >= 0.99 * total, $"{exact}/{total}: {string.Join(", ", misses.Take(10))}");
    }

    [Fact]
    public void Recogniser_tolerates_jitter_and_speckle()
    {
        var rng = new WorldRandom(8);
        int exact = 0, total = 0;
        foreach (var prompt in _world.HeldOutPrompts())
        {
            var image = _world.Render(prompt, 2, 32).Image;
            for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)Math.Clamp(image.Pixels[i] + rng.NextInclusive(-50, 50), 0, 255);
            for (int k = 0; k < 5; k++) image[rng.Next(32), rng.Next(32)] = (255, 255, 255);
            total++;
            if (GlyphReader.Read(image) == prompt.Spec.Text) exact++;
        }
        Assert.True(exact >= 0.9 * total, $"{exact}/{total}");
    }

    [Fact]
    public void A_constant_canvas_reads_no_text()
    {
        foreach (var (_, rgb) in ShapePalette.Colors)
        {
            var canvas = new RgbImage(32, 32);
            for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) canvas[x, y] = rgb;
            Assert.Equal("", GlyphReader.Read(canvas));
            foreach (var prompt in new[] { "the text \"8888\"", "the text \"MW\"", "the text \"B0\"" })
                Assert.Equal(0.0, OcrScorer.Score(canvas, prompt));
        }
    }

    [Fact]
    public void Ink_that_explains_no_glyph_better_than_a_blank_cell_reads_no_text()
    {
        // A few speckles on black are no text (the lightest glyph used to be read from them).
        var speckles = new RgbImage(32, 32);
        foreach (var (x, y) in new[] { (5, 5), (16, 15), (27, 20) }) speckles[x, y] = (255, 255, 255);
        Assert.Equal("", GlyphReader.Read(speckles));
        Assert.Equal(0.0, OcrScorer.Score(speckles, "the text \"1I\""));
        // The same canvas with a real rendering reads the text, and blanking one character drops just that one.
        var sample = _world.Render(GlyphsWorld.Prompt("K7Q"), 0, 32);
        Assert.Equal("K7Q", GlyphReader.Read(sample.Image));
        var box = sample.Annotations.Chars[1].Box;
        for (int y = box.Y0; y < box.Y1; y++) for (int x = box.X0; x < box.X1; x++) sample.Image[x, y] = (0, 0, 0);
        Assert.Equal("KQ", GlyphReader.Read(sample.Image));
    }

    [Theory]
    [InlineData("AB7", "the text \"AB7\"", 1.0)]
    [InlineData("XAB7Y", "the text \"AB7\"", 1.0)] // substring -> distance 0
    [InlineData("ab 7", "the text \"AB7\"", 1.0)] // spaces removed, case ignored
    [InlineData("AB", "the text \"AB7\"", 2 / 3.0)]
    [InlineData("AC7", "the text \"AB7\"", 2 / 3.0)]
    [InlineData("", "the text \"AB7\"", 0.0)]
    [InlineData("QWERTYUIOP", "the text \"AB\"", 0.0)] // distance 10 capped at 2
    [InlineData("B", "say \"AB\" and \"CD\"", 0.5)] // first quoted pair only
    public void Rule_hand_cases(string recognised, string prompt, double expected) =>
        Assert.Equal(expected, OcrScorer.ScoreText(recognised, prompt), 12);

    [Fact]
    public void Levenshtein_hand_cases()
    {
        Assert.Equal(3, Levenshtein.Distance("kitten", "sitting"));
        Assert.Equal(0, Levenshtein.Distance("", ""));
        Assert.Equal(4, Levenshtein.Distance("", "abcd"));
        Assert.Equal(1, Levenshtein.Distance("ab", "abc"));
    }

    [Fact]
    public void A_prompt_without_quotes_is_an_error_and_a_blank_image_reads_nothing()
    {
        Assert.Throws<ArgumentException>(() => OcrScorer.ScoreText("AB", "the text AB"));
        Assert.Equal("", GlyphReader.Read(new Soar.Core.Imaging.RgbImage(32, 32)));
        Assert.Equal(0.0, OcrScorer.Score(new Soar.Core.Imaging.RgbImage(32, 32), "the text \"AB\""));
    }
}
