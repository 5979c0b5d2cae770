namespace Soar.Core.Worlds;

/// <summary>The built-in worlds by name ("shapes", "glyphs").</summary>
public static class WorldCatalog
{
    private static readonly IReadOnlyDictionary<string, IWorld> Worlds =
        new IWorld[] { new ShapesWorld(), new GlyphsWorld() }.ToDictionary(w => w.Name, StringComparer.OrdinalIgnoreCase);

    public static IReadOnlyCollection<string> Names => Worlds.Keys.ToArray();

    public static bool TryGet(string name, out IWorld world) => Worlds.TryGetValue(name, out world!);

    public static IWorld Get(string name) =>
        TryGet(name, out var world) ? world
        : throw new ArgumentException($"unknown world '{name}'; built-in worlds: {string.Join(", ", Worlds.Keys)}", nameof(name));
}
