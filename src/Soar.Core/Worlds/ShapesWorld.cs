using Soar.Core.Imaging;

namespace Soar.Core.Worlds;

/// <summary>
/// Coloured shapes on black (32x32 by default) with captions from the six GenEval families and exact ground truth.
/// Only the objects a caption names are drawn; held-out combinations (<see cref="ShapesHeldOut"/>) never occur in training.
/// </summary>
public sealed class ShapesWorld : IWorld
{
    public const int MinImageSize = 16;
    public const int MaxObjects = 4;

    private readonly Lazy<IReadOnlyList<WorldPrompt>> _heldOut = new(ShapesHeldOut.Prompts);

    public string Name => "shapes";

    public WorldSample Generate(long seed, int index, int imageSize)
    {
        var rng = WorldRandom.For(seed, index);
        return Render(SampleTrainingSpec(rng), rng, imageSize);
    }

    public IEnumerable<WorldSample> Sample(long seed, int count, int imageSize)
    {
        for (int i = 0; i < count; i++) yield return Generate(seed, i, imageSize);
    }

    public IReadOnlyList<WorldPrompt> HeldOutPrompts() => _heldOut.Value;

    /// <summary>A single-object prompt per class (that family cannot be novel) followed by the held-out prompts.</summary>
    public IReadOnlyList<WorldPrompt> EvalPrompts() =>
        ShapeClasses.All.Select(c => ShapesCaptions.Prompt(new PromptSpec(TaskFamily.SingleObject, [new ObjectSpec(c)])))
            .Concat(HeldOutPrompts()).ToArray();

    public WorldSample Render(WorldPrompt prompt, long seed, int imageSize) =>
        Render(prompt.Spec, WorldRandom.For(seed, StableHash(prompt.Caption)), imageSize);

    /// <summary>A training prompt spec: a uniformly chosen family, redrawn until it holds no held-out combination.</summary>
    public static PromptSpec SampleTrainingSpec(WorldRandom rng)
    {
        var family = rng.Pick(TaskFamily.GenEval);
        var classes = ShapeClasses.All;
        while (true)
        {
            string a = rng.Pick(classes), b = rng.Pick(classes);
            var spec = family switch
            {
                TaskFamily.SingleObject => new PromptSpec(family, [new ObjectSpec(a)]),
                TaskFamily.TwoObject => new PromptSpec(family, [new ObjectSpec(a), new ObjectSpec(b)]),
                TaskFamily.Counting => new PromptSpec(family, [new ObjectSpec(a, rng.NextInclusive(2, MaxObjects))]),
                TaskFamily.Colors => new PromptSpec(family, [new ObjectSpec(a, 1, rng.Pick(ShapesHeldOut.TrainingColors(a)))]),
                TaskFamily.Position => new PromptSpec(family, [new ObjectSpec(a), new ObjectSpec(b)], rng.Pick(SpatialRelation.All)),
                _ => new PromptSpec(family, [new ObjectSpec(a, 1, rng.Pick(ShapesHeldOut.TrainingColors(a))), new ObjectSpec(b, 1, rng.Pick(ShapesHeldOut.TrainingColors(b)))]),
            };
            bool distinctClasses = spec.Objects.Count < 2 || a != b;
            bool distinctColors = family != TaskFamily.ColorAttr || spec.Objects[0].Color != spec.Objects[1].Color;
            if (distinctClasses && distinctColors && !ShapesHeldOut.IsHeldOut(spec)) return spec;
        }
    }

    private static WorldSample Render(PromptSpec spec, WorldRandom rng, int imageSize)
    {
        if (imageSize < MinImageSize)
            throw new ArgumentOutOfRangeException(nameof(imageSize), $"the shapes world needs ImageSize >= {MinImageSize} (four objects must fit), got {imageSize}");
        Validate(spec);
        var (minSide, maxSide) = ShapesLayout.SizeRange(imageSize);
        var objects = new List<(string Class, string Color)>();
        foreach (var group in spec.Objects)
            for (int k = 0; k < group.Count; k++)
                objects.Add((group.Class, group.Color ?? rng.Pick(ShapesHeldOut.TrainingColors(group.Class))));
        var sides = objects.Select(_ => rng.NextInclusive(minSide, maxSide)).ToArray();
        var boxes = ShapesLayout.Place(sides, imageSize, rng, spec.Family == TaskFamily.Position ? spec.Relation : null);

        var image = new RgbImage(imageSize, imageSize);
        var drawn = new List<WorldObject>();
        for (int i = 0; i < objects.Count; i++)
        {
            ShapeRasterizer.Draw(image, objects[i].Class, boxes[i], ShapePalette.Rgb(objects[i].Color));
            drawn.Add(new WorldObject(objects[i].Class, objects[i].Color, boxes[i]));
        }
        var prompt = ShapesCaptions.Prompt(spec);
        return new WorldSample(prompt, image, new WorldAnnotations { World = "shapes", Spec = spec, Objects = drawn });
    }

    private static void Validate(PromptSpec spec)
    {
        if (!TaskFamily.GenEval.Contains(spec.Family))
            throw new ArgumentException($"the shapes world has no family '{spec.Family}'; families: {string.Join(", ", TaskFamily.GenEval)}");
        if (spec.Objects.Count == 0 || spec.Objects.Sum(o => o.Count) > MaxObjects || spec.Objects.Any(o => o.Count < 1))
            throw new ArgumentException($"a shapes prompt names 1 to {MaxObjects} objects, got {string.Join(", ", spec.Objects)}");
        foreach (var o in spec.Objects)
        {
            ShapeClasses.IndexOf(o.Class);
            if (o.Color is { } c) ShapePalette.IndexOf(c);
        }
        if (spec.Family == TaskFamily.Position && (spec.Objects.Count != 2 || spec.Relation is null || !SpatialRelation.All.Contains(spec.Relation)))
            throw new ArgumentException($"a position prompt needs two objects and one of: {string.Join(", ", SpatialRelation.All)}");
    }

    // FNV-1a: string.GetHashCode is randomised per process, and renders must repeat across runs.
    internal static long StableHash(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (char ch in text) { h ^= ch; h *= 1099511628211UL; }
        return (long)h;
    }
}
