namespace Soar.Core.Worlds;

/// <summary>The shapes world's colours: saturated RGB values at least 128 apart on some channel, so an exact detector can name them.</summary>
public static class ShapePalette
{
    public static IReadOnlyList<(string Name, (byte R, byte G, byte B) Rgb)> Colors { get; } =
    [
        ("red", (255, 0, 0)),
        ("green", (0, 255, 0)),
        ("blue", (0, 0, 255)),
        ("yellow", (255, 255, 0)),
        ("magenta", (255, 0, 255)),
        ("cyan", (0, 255, 255)),
        ("orange", (255, 128, 0)),
        ("white", (255, 255, 255)),
    ];

    public static IReadOnlyList<string> Names { get; } = Colors.Select(c => c.Name).ToArray();

    public static (byte R, byte G, byte B) Rgb(string name) =>
        Colors.FirstOrDefault(c => c.Name == name) is { Name: not null } c ? c.Rgb
        : throw new ArgumentException($"unknown colour '{name}'; palette: {string.Join(", ", Names)}", nameof(name));

    /// <summary>The palette name of an exact RGB value, or null (background or anything else).</summary>
    public static string? NameOf((byte R, byte G, byte B) rgb) =>
        Colors.FirstOrDefault(c => c.Rgb == rgb).Name;

    public static int IndexOf(string name) =>
        Colors.Select((c, i) => (c, i)).FirstOrDefault(t => t.c.Name == name) is { c.Name: not null } t ? t.i
        : throw new ArgumentException($"unknown colour '{name}'; palette: {string.Join(", ", Names)}", nameof(name));
}
