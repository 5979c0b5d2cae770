namespace Soar.Core.Worlds;

/// <summary>The shape classes of the shapes world, with their plural nouns for counting captions.</summary>
public static class ShapeClasses
{
    public const string Circle = "circle";
    public const string Square = "square";
    public const string Triangle = "triangle";
    public const string Cross = "cross";
    public const string Diamond = "diamond";

    public static IReadOnlyList<string> All { get; } = [Circle, Square, Triangle, Cross, Diamond];

    public static string Plural(string cls) => cls == Cross ? "crosses" : cls + "s";

    public static int IndexOf(string cls)
    {
        for (int i = 0; i < All.Count; i++) if (All[i] == cls) return i;
        throw new ArgumentException($"unknown shape class '{cls}'; classes: {string.Join(", ", All)}", nameof(cls));
    }
}
