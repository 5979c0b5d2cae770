using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Eval.Detection;

/// <summary>
/// The shapes world's object detector (stands in for GenEval's Mask2Former): 8-connected components of ink pixels,
/// colour by majority palette label, class by template agreement (IoU) with <see cref="ShapeRasterizer"/> masks
/// stretched to the component's box. Exact on ground-truth renders; tolerant of speckle in generated ones.
/// A detection has a plausible size (<see cref="PlausibleSides"/>) and one class, so no blob far smaller or larger
/// than anything the world draws (a 4 px dot, a filled canvas) counts as an object, and no blob counts as several.
/// </summary>
public static class ShapeDetector
{
    /// <summary>Templates agreeing less than this (IoU) with a component leave it unrecognised (a blob, not a shape).</summary>
    public const double MinAgreement = 0.6;

    /// <summary>Components smaller than this share of the smallest object the world draws are noise.</summary>
    public const double MinAreaShare = 0.25;

    /// <summary>
    /// Pixels a box side may miss or exceed the world's object sides by: a generated object's blurred edge pixel may
    /// fall either side of <see cref="PixelClassifier.MaxDistance"/>.
    /// </summary>
    public const int SideSlack = 1;

    /// <summary>Box sides (both axes) of a detection on a canvas: the world's object sides (<see cref="ShapesLayout.SizeRange"/>) widened by <see cref="SideSlack"/>.</summary>
    public static (int Min, int Max) PlausibleSides(int canvas)
    {
        var (min, max) = ShapesLayout.SizeRange(canvas);
        return (min - SideSlack, max + SideSlack);
    }

    public static IReadOnlyList<DetectedObject> Detect(RgbImage image)
    {
        var labels = PixelClassifier.Label(image);
        int w = image.Width, h = image.Height, canvas = Math.Min(w, h);
        int minSide = ShapesLayout.SizeRange(canvas).Min;
        int minArea = Math.Max(3, (int)Math.Round(MinAreaShare * minSide * minSide));
        var seen = new bool[labels.Length];
        var found = new List<DetectedObject>();
        var stack = new Stack<int>();
        var pixels = new List<int>();
        for (int start = 0; start < labels.Length; start++)
        {
            if (seen[start] || labels[start] == PixelClassifier.Background) continue;
            pixels.Clear();
            seen[start] = true;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                pixels.Add(p);
                int px = p % w, py = p / w;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int x = px + dx, y = py + dy;
                        if (x < 0 || y < 0 || x >= w || y >= h) continue;
                        int q = y * w + x;
                        if (seen[q] || labels[q] == PixelClassifier.Background) continue;
                        seen[q] = true;
                        stack.Push(q);
                    }
            }
            if (pixels.Count >= minArea && Classify(pixels, labels, w, canvas) is { } obj) found.Add(obj);
        }
        // Largest first: the analogue of GenEval's confidence order.
        return found.OrderByDescending(o => o.Area).ThenBy(o => o.Box.Y0).ThenBy(o => o.Box.X0).ToArray();
    }

    private static DetectedObject? Classify(List<int> pixels, int[] labels, int w, int canvas)
    {
        int x0 = int.MaxValue, y0 = int.MaxValue, x1 = 0, y1 = 0;
        var votes = new int[ShapePalette.Colors.Count];
        foreach (int p in pixels)
        {
            int x = p % w, y = p / w;
            x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); x1 = Math.Max(x1, x + 1); y1 = Math.Max(y1, y + 1);
            votes[labels[p]]++;
        }
        var box = new BoundingBox(x0, y0, x1, y1);
        var (lo, hi) = PlausibleSides(canvas);
        if (box.Width < lo || box.Height < lo || box.Width > hi || box.Height > hi) return null;
        var mask = new bool[box.Width * box.Height];
        foreach (int p in pixels) mask[(p / w - y0) * box.Width + (p % w - x0)] = true;

        double best = -1;
        var classes = new List<string>();
        foreach (var cls in ShapeClasses.All)
        {
            double iou = Agreement(cls, mask, box.Width, box.Height);
            if (iou > best + 1e-12) { best = iou; classes.Clear(); classes.Add(cls); }
            else if (Math.Abs(iou - best) <= 1e-12) classes.Add(cls);
        }
        if (best < MinAgreement) return null;
        if (classes.Count > 1 && !DrawnAlike(classes, box, canvas)) return null;
        int colour = Array.IndexOf(votes, votes.Max());
        return new DetectedObject(classes, ShapePalette.Colors[colour].Name, box, pixels.Count, best);
    }

    /// <summary>
    /// Whether tied classes are the world's own ambiguity: a square box of a side the world draws, on which their
    /// templates are the same pixels (circle, cross and diamond at 4 px, circle and cross at 5 px: canvases under 25 px).
    /// </summary>
    private static bool DrawnAlike(List<string> classes, BoundingBox box, int canvas)
    {
        var (min, max) = ShapesLayout.SizeRange(canvas);
        int s = box.Width;
        if (box.Height != s || s < min || s > max) return false;
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++)
                if (classes.Skip(1).Any(c => ShapeRasterizer.Covers(c, s, x, y) != ShapeRasterizer.Covers(classes[0], s, x, y))) return false;
        return true;
    }

    /// <summary>IoU of a component mask with the class template drawn at side max(w, h) and stretched onto the box.</summary>
    public static double Agreement(string cls, bool[] mask, int w, int h)
    {
        int s = Math.Max(w, h), inter = 0, union = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool t = ShapeRasterizer.Covers(cls, s, (int)((x + 0.5) * s / w), (int)((y + 0.5) * s / h));
                bool m = mask[y * w + x];
                if (t && m) inter++;
                if (t || m) union++;
            }
        return union == 0 ? 0 : (double)inter / union;
    }
}
