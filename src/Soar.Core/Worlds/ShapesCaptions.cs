namespace Soar.Core.Worlds;

/// <summary>GenEval-style captions for shapes prompt specs ("a photo of a red circle and a green square").</summary>
public static class ShapesCaptions
{
    private static readonly string[] Numbers = ["zero", "one", "two", "three", "four"];

    public static string For(PromptSpec spec)
    {
        var o = spec.Objects;
        return spec.Family switch
        {
            TaskFamily.SingleObject or TaskFamily.Colors => $"a photo of {Noun(o[0])}",
            TaskFamily.TwoObject or TaskFamily.ColorAttr => $"a photo of {Noun(o[0])} and {Noun(o[1])}",
            TaskFamily.Counting => $"a photo of {Numbers[o[0].Count]} {ShapeClasses.Plural(o[0].Class)}",
            TaskFamily.Position => $"a photo of {Noun(o[0])} {spec.Relation} {Noun(o[1])}",
            _ => throw new ArgumentException($"the shapes world has no family '{spec.Family}'", nameof(spec)),
        };
    }

    public static WorldPrompt Prompt(PromptSpec spec) => new(For(spec), spec.Family, spec);

    private static string Noun(ObjectSpec o)
    {
        var words = o.Color is null ? o.Class : $"{o.Color} {o.Class}";
        return ("aeiou".Contains(words[0]) ? "an " : "a ") + words;
    }
}
