using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Tests.Worlds;

/// <summary>Checks that annotations describe the pixels exactly.</summary>
internal static class WorldPixelChecks
{
    /// <summary>Inside each box only its colour or black; outside every box only black; each box is tight.</summary>
    public static void AssertObjectsMatchPixels(WorldSample sample)
    {
        var image = sample.Image;
        var objects = sample.Annotations.Objects;
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
            {
                var owners = objects.Where(o => o.Box.Contains(x, y)).ToList();
                Assert.True(owners.Count <= 1, $"{sample.Caption}: boxes overlap at ({x},{y})");
                var pixel = image[x, y];
                if (owners.Count == 0)
                    Assert.True(pixel == (0, 0, 0), $"{sample.Caption}: stray pixel {pixel} at ({x},{y}) outside every box");
                else
                    Assert.True(pixel == (0, 0, 0) || pixel == ShapePalette.Rgb(owners[0].Color),
                        $"{sample.Caption}: pixel {pixel} at ({x},{y}) in the {owners[0].Color} {owners[0].Class} box");
            }
        foreach (var o in objects)
        {
            var colour = ShapePalette.Rgb(o.Color);
            bool Row(int y) => Enumerable.Range(o.Box.X0, o.Box.Width).Any(x => image[x, y] == colour);
            bool Col(int x) => Enumerable.Range(o.Box.Y0, o.Box.Height).Any(y => image[x, y] == colour);
            Assert.True(Row(o.Box.Y0) && Row(o.Box.Y1 - 1) && Col(o.Box.X0) && Col(o.Box.X1 - 1), $"{sample.Caption}: box of {o.Class} is not tight");
        }
    }

    /// <summary>The drawn objects are exactly what the spec names: per group its count (and colour when given), nothing else.</summary>
    public static void AssertObjectsMatchSpec(WorldSample sample)
    {
        var spec = sample.Annotations.Spec;
        Assert.Equal(spec.Objects.Sum(o => o.Count), sample.Annotations.Objects.Count);
        foreach (var group in spec.Objects)
            Assert.Equal(group.Count, sample.Annotations.Objects.Count(o => o.Class == group.Class && (group.Color is null || o.Color == group.Color)));
        if (spec.Relation is { } relation)
            Assert.True(SpatialRelation.Holds(relation, sample.Annotations.Objects[0].Box, sample.Annotations.Objects[1].Box, sample.Image.Width),
                $"{sample.Caption}: relation does not hold");
    }
}
