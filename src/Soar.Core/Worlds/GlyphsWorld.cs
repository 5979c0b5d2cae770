using Soar.Core.Imaging;

namespace Soar.Core.Worlds;

/// <summary>
/// Short strings (2-4 characters of A-Z, 0-9) drawn centred with <see cref="GlyphFont"/> at the largest integer
/// scale that fits, white or a palette colour on black; caption `the text "AB7"`. Held-out strings never occur in training.
/// </summary>
public sealed class GlyphsWorld : IWorld
{
    public const int MinLength = 2;
    public const int MaxLength = 4;
    /// <summary>Four characters at scale 1 (4*6-1 = 23 px) plus a pixel of margin on each side.</summary>
    public const int MinImageSize = MaxLength * (GlyphFont.Width + GlyphFont.Spacing) - GlyphFont.Spacing + 2;

    // Held-out strings come from their own fixed seed, so the set is the same for every training seed.
    private const long HeldOutSeed = 0x5EED_0F_7E57;
    private const int HeldOutCount = 32;

    private static readonly Lazy<IReadOnlyList<WorldPrompt>> HeldOut = new(BuildHeldOut);
    private static readonly Lazy<HashSet<string>> HeldOutTexts = new(() => HeldOut.Value.Select(p => p.Spec.Text!).ToHashSet(StringComparer.Ordinal));

    public string Name => "glyphs";

    public static string Caption(string text) => $"the text \"{text}\"";

    public static WorldPrompt Prompt(string text) => new(Caption(text), TaskFamily.Text, PromptSpec.ForText(text));

    public static bool IsHeldOut(string text) => HeldOutTexts.Value.Contains(text);

    public WorldSample Generate(long seed, int index, int imageSize)
    {
        var rng = WorldRandom.For(seed, index);
        string text;
        do text = RandomText(rng); while (IsHeldOut(text));
        return Render(text, rng, imageSize);
    }

    public IEnumerable<WorldSample> Sample(long seed, int count, int imageSize)
    {
        for (int i = 0; i < count; i++) yield return Generate(seed, i, imageSize);
    }

    public IReadOnlyList<WorldPrompt> HeldOutPrompts() => HeldOut.Value;

    public IReadOnlyList<WorldPrompt> EvalPrompts() => HeldOut.Value;

    public WorldSample Render(WorldPrompt prompt, long seed, int imageSize)
    {
        var text = prompt.Spec.Text ?? throw new ArgumentException($"prompt '{prompt.Caption}' has no text; the glyphs world renders text prompts only", nameof(prompt));
        return Render(text, WorldRandom.For(seed, ShapesWorld.StableHash(prompt.Caption)), imageSize);
    }

    /// <summary>The integer scale at which <paramref name="length"/> characters fit the canvas with a 1 px margin.</summary>
    public static int Scale(int length, int imageSize) =>
        Math.Min((imageSize - 2) / (length * (GlyphFont.Width + GlyphFont.Spacing) - GlyphFont.Spacing), (imageSize - 2) / GlyphFont.Height);

    private static WorldSample Render(string text, WorldRandom rng, int imageSize)
    {
        if (imageSize < MinImageSize)
            throw new ArgumentOutOfRangeException(nameof(imageSize), $"the glyphs world needs ImageSize >= {MinImageSize} (four 5x7 characters must fit), got {imageSize}");
        if (text.Length < 1 || text.Length > MaxLength || !text.All(GlyphFont.Supports))
            throw new ArgumentException($"glyph text must be 1 to {MaxLength} characters of A-Z and 0-9, got \"{text}\"", nameof(text));

        var colorName = rng.Next(2) == 0 ? "white" : rng.Pick(ShapePalette.Names.Where(n => n != "white").ToArray());
        var colour = ShapePalette.Rgb(colorName);
        int k = Scale(text.Length, imageSize);
        int pitch = (GlyphFont.Width + GlyphFont.Spacing) * k;
        int width = text.Length * pitch - GlyphFont.Spacing * k, height = GlyphFont.Height * k;
        int x0 = (imageSize - width) / 2, y0 = (imageSize - height) / 2;

        var image = new RgbImage(imageSize, imageSize);
        var boxes = new List<GlyphBox>();
        for (int i = 0; i < text.Length; i++)
        {
            int cx = x0 + i * pitch;
            for (int y = 0; y < height; y++)
                for (int x = 0; x < GlyphFont.Width * k; x++)
                    if (GlyphFont.Ink(text[i], x / k, y / k))
                        image[cx + x, y0 + y] = colour;
            // The box is the character cell (fixed pitch), not the ink extent, so a reader can slice cells exactly.
            boxes.Add(new GlyphBox(text[i], new BoundingBox(cx, y0, cx + GlyphFont.Width * k, y0 + height)));
        }
        var prompt = Prompt(text);
        return new WorldSample(prompt, image, new WorldAnnotations
        {
            World = "glyphs", Spec = prompt.Spec, Text = text, TextColor = colorName, Chars = boxes,
        });
    }

    private static string RandomText(WorldRandom rng)
    {
        int length = rng.NextInclusive(MinLength, MaxLength);
        return new string(Enumerable.Range(0, length).Select(_ => rng.Pick(GlyphFont.Alphabet)).ToArray());
    }

    private static IReadOnlyList<WorldPrompt> BuildHeldOut()
    {
        var rng = new WorldRandom(HeldOutSeed);
        var texts = new List<string>();
        while (texts.Count < HeldOutCount)
        {
            var t = RandomText(rng);
            if (!texts.Contains(t)) texts.Add(t);
        }
        return texts.Select(Prompt).ToArray();
    }
}
