namespace Soar.Core.Worlds;

/// <summary>
/// The fixed split between training and held-out combinations of the shapes world (index arithmetic over
/// <see cref="ShapePalette"/> and <see cref="ShapeClasses"/>, so it never changes with a seed). Training never
/// draws a held-out colour-class pair, even where the caption names no colour.
/// </summary>
public static class ShapesHeldOut
{
    // Colour-class: (colour + class) % 4 == 0 -> two unseen colours per class, every colour still seen on other classes.
    public static bool IsHeldOutColor(string color, string cls) =>
        (ShapePalette.IndexOf(color) + ShapeClasses.IndexOf(cls)) % 4 == 0;

    // Class pairs: (a + b) % 5 == 0 -> {square, diamond} and {triangle, cross} never appear together in training.
    public static bool IsHeldOutPair(string a, string b) =>
        a != b && (ShapeClasses.IndexOf(a) + ShapeClasses.IndexOf(b)) % 5 == 0;

    // Ordered relations: (2a + b + relation) % 7 == 0 -> about one in seven (A, relation, B) triples is unseen.
    public static bool IsHeldOutRelation(string a, string relation, string b) =>
        IsHeldOutPair(a, b) || (2 * ShapeClasses.IndexOf(a) + ShapeClasses.IndexOf(b) + IndexOfRelation(relation)) % 7 == 0;

    // Counts: (class + n) % 5 == 0 -> "two crosses", "three triangles", "four squares" are unseen.
    public static bool IsHeldOutCount(string cls, int count) =>
        (ShapeClasses.IndexOf(cls) + count) % 5 == 0;

    /// <summary>Whether a prompt spec holds any held-out combination (training must never produce it).</summary>
    public static bool IsHeldOut(PromptSpec spec)
    {
        var o = spec.Objects;
        if (o.Any(x => x.Color is { } c && IsHeldOutColor(c, x.Class))) return true;
        return spec.Family switch
        {
            TaskFamily.TwoObject or TaskFamily.ColorAttr => IsHeldOutPair(o[0].Class, o[1].Class),
            TaskFamily.Position => IsHeldOutRelation(o[0].Class, spec.Relation!, o[1].Class),
            TaskFamily.Counting => IsHeldOutCount(o[0].Class, o[0].Count),
            _ => false,
        };
    }

    /// <summary>Colours training may draw for a class.</summary>
    public static IReadOnlyList<string> TrainingColors(string cls) =>
        ShapePalette.Names.Where(c => !IsHeldOutColor(c, cls)).ToArray();

    /// <summary>Every held-out prompt, in a fixed order: colours, two objects, counting, position, colour attribution.</summary>
    public static IReadOnlyList<WorldPrompt> Prompts()
    {
        var classes = ShapeClasses.All;
        var specs = new List<PromptSpec>();
        foreach (var cls in classes)
            foreach (var color in ShapePalette.Names.Where(c => IsHeldOutColor(c, cls)))
                specs.Add(new PromptSpec(TaskFamily.Colors, [new ObjectSpec(cls, 1, color)]));
        foreach (var (a, b) in OrderedPairs().Where(p => IsHeldOutPair(p.A, p.B)))
            specs.Add(new PromptSpec(TaskFamily.TwoObject, [new ObjectSpec(a), new ObjectSpec(b)]));
        foreach (var cls in classes)
            for (int n = 2; n <= 4; n++)
                if (IsHeldOutCount(cls, n))
                    specs.Add(new PromptSpec(TaskFamily.Counting, [new ObjectSpec(cls, n)]));
        foreach (var (a, b) in OrderedPairs())
            foreach (var rel in SpatialRelation.All.Where(r => IsHeldOutRelation(a, r, b)))
                specs.Add(new PromptSpec(TaskFamily.Position, [new ObjectSpec(a), new ObjectSpec(b)], rel));
        // Colour attribution, held out by class pair (with seen colours) ...
        foreach (var (a, b) in OrderedPairs().Where(p => IsHeldOutPair(p.A, p.B)))
        {
            var ca = TrainingColors(a)[0];
            var cb = TrainingColors(b).First(c => c != ca);
            specs.Add(new PromptSpec(TaskFamily.ColorAttr, [new ObjectSpec(a, 1, ca), new ObjectSpec(b, 1, cb)]));
        }
        // ... and by an unseen colour-class pair next to the following class that may share a training image with it.
        foreach (var cls in classes)
            foreach (var color in ShapePalette.Names.Where(c => IsHeldOutColor(c, cls)))
            {
                var other = Enumerable.Range(1, classes.Count - 1).Select(k => classes[(ShapeClasses.IndexOf(cls) + k) % classes.Count])
                    .First(o => !IsHeldOutPair(cls, o));
                var otherColor = TrainingColors(other).First(c => c != color);
                specs.Add(new PromptSpec(TaskFamily.ColorAttr, [new ObjectSpec(cls, 1, color), new ObjectSpec(other, 1, otherColor)]));
            }
        return specs.Select(ShapesCaptions.Prompt).ToArray();
    }

    private static IEnumerable<(string A, string B)> OrderedPairs() =>
        from a in ShapeClasses.All from b in ShapeClasses.All where a != b select (a, b);

    private static int IndexOfRelation(string relation)
    {
        for (int i = 0; i < SpatialRelation.All.Count; i++) if (SpatialRelation.All[i] == relation) return i;
        throw new ArgumentException($"unknown relation '{relation}'", nameof(relation));
    }
}
