namespace Soar.Core.Worlds;

/// <summary>Places square object boxes on a canvas without overlap, keeping a gap between boxes and a margin to the edge.</summary>
public static class ShapesLayout
{
    private const int TriesPerLayout = 400;

    /// <summary>Object side range for a canvas: about 22% to 31% of the side, so four objects fit at 16 px and up.</summary>
    public static (int Min, int Max) SizeRange(int canvas)
    {
        int min = Math.Max(3, (int)Math.Round(canvas * 0.22));
        return (min, Math.Max(min, (int)Math.Round(canvas * 0.31)));
    }

    public static int Gap(int canvas) => canvas >= 24 ? 2 : 1;

    /// <summary>
    /// Boxes for objects of the given sides. With a relation (two objects), box 0 stands in that relation to box 1
    /// with twice the separation a scorer requires, so the answer is never borderline.
    /// </summary>
    public static BoundingBox[] Place(IReadOnlyList<int> sides, int canvas, WorldRandom rng, string? relation = null)
    {
        int gap = Gap(canvas), margin = 1;
        var current = sides.ToArray();
        while (true)
        {
            for (int attempt = 0; attempt < TriesPerLayout; attempt++)
                if (TryPlace(current, canvas, gap, margin, rng, relation) is { } boxes) return boxes;
            // Rare: shrink the largest object by one pixel and try again.
            int largest = Array.IndexOf(current, current.Max());
            if (current[largest] <= SizeRange(canvas).Min)
                throw new InvalidOperationException($"cannot place {sides.Count} objects on a {canvas}x{canvas} canvas");
            current[largest]--;
        }
    }

    private static BoundingBox[]? TryPlace(int[] sides, int canvas, int gap, int margin, WorldRandom rng, string? relation)
    {
        var boxes = new BoundingBox[sides.Length];
        for (int i = 0; i < sides.Length; i++)
        {
            int s = sides[i];
            if (s + 2 * margin > canvas) return null;
            int x = rng.NextInclusive(margin, canvas - margin - s), y = rng.NextInclusive(margin, canvas - margin - s);
            var box = new BoundingBox(x, y, x + s, y + s);
            for (int j = 0; j < i; j++)
                if (box.Touches(boxes[j], gap)) return null;
            boxes[i] = box;
        }
        if (relation is not null &&
            !SpatialRelation.Holds(relation, boxes[0].CenterX, boxes[0].CenterY, boxes[1].CenterX, boxes[1].CenterY, 2 * SpatialRelation.MinSeparation * canvas))
            return null;
        return boxes;
    }
}
