using System.Text.RegularExpressions;
using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Tests.Worlds;

public sealed class ShapesWorldTests
{
    private readonly ShapesWorld _world = new();

    [Fact]
    public void SameSeedGivesSameBytesAndOtherSeedsDiffer()
    {
        for (int i = 0; i < 20; i++)
        {
            var a = _world.Generate(seed: 7, i, 32);
            var b = new ShapesWorld().Generate(seed: 7, i, 32);
            Assert.Equal(a.Caption, b.Caption);
            Assert.Equal(ImageCodec.EncodePng(a.Image), ImageCodec.EncodePng(b.Image));
            Assert.Equal(a.Annotations.ToJson(), b.Annotations.ToJson());
        }
        var seven = _world.Sample(7, 20, 32).Select(s => s.Caption).ToList();
        var eight = _world.Sample(8, 20, 32).Select(s => s.Caption).ToList();
        Assert.NotEqual(seven, eight);
        Assert.Equal(_world.Generate(7, 13, 32).Caption, seven[13]);
    }

    [Fact]
    public void HeldOutPromptsNeverAppearInTwentyThousandTrainingSamples()
    {
        var heldOut = _world.HeldOutPrompts().Select(p => p.Caption).ToHashSet();
        Assert.True(heldOut.Count >= 30, $"only {heldOut.Count} held-out prompts");
        var families = new HashSet<string>();
        for (int i = 0; i < 20_000; i++)
        {
            var spec = ShapesWorld.SampleTrainingSpec(WorldRandom.For(11, i));
            var caption = ShapesCaptions.For(spec);
            Assert.DoesNotContain(caption, heldOut);
            families.Add(spec.Family);
        }
        Assert.Equal(TaskFamily.GenEval.Order(), families.Order());
    }

    [Fact]
    public void TrainingImagesNeverShowAHeldOutColourClassPair()
    {
        foreach (var sample in _world.Sample(seed: 2, count: 3000, imageSize: 32))
            foreach (var o in sample.Annotations.Objects)
                Assert.False(ShapesHeldOut.IsHeldOutColor(o.Color, o.Class), $"{sample.Caption}: drew a {o.Color} {o.Class}");
    }

    [Fact]
    public void HeldOutSetCoversEveryFamilyThatCanBeNovelAndEvalSetCoversAllSix()
    {
        var heldOut = _world.HeldOutPrompts();
        Assert.Equal(new[] { TaskFamily.TwoObject, TaskFamily.Counting, TaskFamily.Colors, TaskFamily.Position, TaskFamily.ColorAttr }.Order(),
            heldOut.Select(p => p.Family).Distinct().Order());
        Assert.All(heldOut, p => Assert.True(ShapesHeldOut.IsHeldOut(p.Spec), p.Caption));
        Assert.Equal(heldOut.Count, heldOut.Select(p => p.Caption).Distinct().Count());
        Assert.Equal(TaskFamily.GenEval.Order(), _world.EvalPrompts().Select(p => p.Family).Distinct().Order());
    }

    [Fact]
    public void AnnotationsMatchPixelsAndSpec()
    {
        foreach (var size in new[] { 16, 32, 64 })
            foreach (var sample in _world.Sample(seed: 5, count: 300, imageSize: size))
            {
                Assert.Equal((size, size), (sample.Image.Width, sample.Image.Height));
                WorldPixelChecks.AssertObjectsMatchPixels(sample);
                WorldPixelChecks.AssertObjectsMatchSpec(sample);
            }
    }

    [Fact]
    public void HeldOutPromptsRenderExactGroundTruth()
    {
        foreach (var prompt in _world.EvalPrompts())
        {
            var sample = _world.Render(prompt, seed: 4, imageSize: 32);
            Assert.Equal(prompt.Caption, sample.Caption);
            WorldPixelChecks.AssertObjectsMatchPixels(sample);
            WorldPixelChecks.AssertObjectsMatchSpec(sample);
            Assert.Equal(sample.Image.Pixels, _world.Render(prompt, seed: 4, imageSize: 32).Image.Pixels);
        }
    }

    [Fact]
    public void CaptionsFollowTheGenEvalTemplates()
    {
        var colour = string.Join("|", ShapePalette.Names);
        var cls = string.Join("|", ShapeClasses.All);
        var patterns = new Dictionary<string, Regex>
        {
            [TaskFamily.SingleObject] = new($"^a photo of a ({cls})$"),
            [TaskFamily.TwoObject] = new($"^a photo of a ({cls}) and a ({cls})$"),
            [TaskFamily.Counting] = new($"^a photo of (two|three|four) ({cls})e?s$"),
            [TaskFamily.Colors] = new($"^a photo of an? ({colour}) ({cls})$"),
            [TaskFamily.Position] = new($"^a photo of a ({cls}) (left of|right of|above|below) a ({cls})$"),
            [TaskFamily.ColorAttr] = new($"^a photo of an? ({colour}) ({cls}) and an? ({colour}) ({cls})$"),
        };
        foreach (var sample in _world.Sample(3, 600, 32).Concat(_world.EvalPrompts().Select(p => _world.Render(p, 0, 32))))
        {
            Assert.Matches(patterns[sample.Family], sample.Caption);
            Assert.DoesNotContain("a orange", sample.Caption);
        }
        Assert.Equal("a photo of an orange circle", ShapesCaptions.For(new PromptSpec(TaskFamily.Colors, [new ObjectSpec("circle", 1, "orange")])));
        Assert.Equal("a photo of four crosses", ShapesCaptions.For(new PromptSpec(TaskFamily.Counting, [new ObjectSpec("cross", 4)])));
    }

    [Fact]
    public void FourObjectsFitAndObjectsScaleWithTheCanvas()
    {
        var four = new WorldPrompt("a photo of four circles", TaskFamily.Counting, new PromptSpec(TaskFamily.Counting, [new ObjectSpec("circle", 4)]));
        for (int seed = 0; seed < 50; seed++)
            Assert.Equal(4, _world.Render(four, seed, 32).Annotations.Objects.Count);
        double Mean(int size) => _world.Sample(1, 100, size).SelectMany(s => s.Annotations.Objects).Average(o => o.Box.Width);
        Assert.InRange(Mean(64) / Mean(32), 1.7, 2.3);
        Assert.Throws<ArgumentOutOfRangeException>(() => _world.Generate(0, 0, 15));
    }

    [Fact]
    public void PaletteColoursAreWellSeparated()
    {
        var colours = ShapePalette.Colors;
        Assert.True(colours.Count >= 6);
        Assert.True(ShapeClasses.All.Count >= 4);
        foreach (var a in colours)
            foreach (var b in colours.Where(b => b.Name != a.Name))
                Assert.True(Math.Max(Math.Abs(a.Rgb.R - b.Rgb.R), Math.Max(Math.Abs(a.Rgb.G - b.Rgb.G), Math.Abs(a.Rgb.B - b.Rgb.B))) >= 127, $"{a.Name} vs {b.Name}");
    }

    [Fact]
    public void InvalidPromptsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => _world.Render(new WorldPrompt("x", TaskFamily.Counting, new PromptSpec(TaskFamily.Counting, [new ObjectSpec("circle", 5)])), 0, 32));
        Assert.Throws<ArgumentException>(() => _world.Render(new WorldPrompt("x", TaskFamily.Colors, new PromptSpec(TaskFamily.Colors, [new ObjectSpec("hexagon")])), 0, 32));
        Assert.Throws<ArgumentException>(() => _world.Render(new WorldPrompt("x", TaskFamily.Position, new PromptSpec(TaskFamily.Position, [new ObjectSpec("circle"), new ObjectSpec("square")], "beside")), 0, 32));
    }

    [Fact]
    public void AnnotationsJsonRoundTrips()
    {
        var sample = _world.Generate(1, 1, 32);
        var json = sample.Annotations.ToJson();
        Assert.Contains("\"box\":[", json);
        var back = WorldAnnotations.FromJson(json);
        Assert.Equal(sample.Annotations.Objects, back.Objects);
        Assert.Equal(sample.Annotations.Spec.Objects, back.Spec.Objects);
        Assert.Equal(sample.Annotations.Spec.Relation, back.Spec.Relation);
    }
}
