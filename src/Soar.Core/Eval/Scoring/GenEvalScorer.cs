using Soar.Core.Eval.Detection;
using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Eval.Scoring;

/// <summary>
/// GenEval's rules (docs/evaluation.md) on the shapes world, over <see cref="ShapeDetector"/> detections:
/// single object = at least one of the class; two objects = one of each (distinct detections); counting = exactly N;
/// colours = the object has the asked colour; position = the relation holds for the centres with
/// <see cref="SpatialRelation"/>'s margin; colour attribution = each object with its own colour.
/// </summary>
public static class GenEvalScorer
{
    /// <summary>Only the largest detections take part, as GenEval keeps its most confident ones.</summary>
    public const int MaxDetections = 8;

    public static GenEvalScore Score(RgbImage image, PromptSpec spec) =>
        Score(ShapeDetector.Detect(image), spec, Math.Min(image.Width, image.Height));

    public static GenEvalScore Score(IReadOnlyList<DetectedObject> detections, PromptSpec spec, int canvas)
    {
        if (!TaskFamily.GenEval.Contains(spec.Family))
            throw new ArgumentException($"GenEval scores the families {string.Join(", ", TaskFamily.GenEval)}, not '{spec.Family}'", nameof(spec));
        if (spec.Objects.Count == 0) throw new ArgumentException("a GenEval prompt names at least one object", nameof(spec));
        var found = detections.Take(MaxDetections).ToArray();
        return spec.Family == TaskFamily.Counting ? Count(found, spec.Objects[0]) : Match(found, spec, canvas);
    }

    private static GenEvalScore Count(DetectedObject[] found, ObjectSpec group)
    {
        int n = found.Count(d => d.Is(group.Class) && (group.Color is null || d.Color == group.Color));
        double credit = Math.Max(0, 1 - Math.Abs(n - group.Count) / (double)group.Count);
        var what = group.Color is null ? group.Class : $"{group.Color} {group.Class}";
        return new GenEvalScore(n == group.Count, credit, n == group.Count ? $"ok: {n} {what}" : $"expected exactly {group.Count} {what}, found {n}");
    }

    /// <summary>Searches every assignment of distinct detections to the prompt's object groups and keeps the best.</summary>
    private static GenEvalScore Match(DetectedObject[] found, PromptSpec spec, int canvas)
    {
        var groups = spec.Objects;
        var chosen = new List<DetectedObject>[groups.Count];
        (double Credit, string Reason) best = (-1, "");
        void Search(int g, bool[] used)
        {
            if (g == groups.Count)
            {
                var verdict = Judge(chosen, spec, canvas);
                if (verdict.Credit > best.Credit + 1e-12) best = verdict;
                return;
            }
            var candidates = Enumerable.Range(0, found.Length).Where(i => !used[i] && found[i].Is(groups[g].Class)).ToArray();
            foreach (var subset in Subsets(candidates, Math.Min(groups[g].Count, candidates.Length)))
            {
                foreach (int i in subset) used[i] = true;
                chosen[g] = subset.Select(i => found[i]).ToList();
                Search(g + 1, used);
                foreach (int i in subset) used[i] = false;
            }
        }
        Search(0, new bool[found.Length]);
        bool correct = best.Credit >= 1 - 1e-12;
        return new GenEvalScore(correct, best.Credit, correct ? "ok" : best.Reason);
    }

    private static (double Credit, string Reason) Judge(List<DetectedObject>[] chosen, PromptSpec spec, int canvas)
    {
        var credits = new List<double>();
        var reasons = new List<string>();
        for (int g = 0; g < spec.Objects.Count; g++)
        {
            var group = spec.Objects[g];
            credits.Add(chosen[g].Count / (double)group.Count);
            if (chosen[g].Count < group.Count) reasons.Add($"expected {group.Class}>={group.Count}, found {chosen[g].Count}");
            if (group.Color is { } colour)
            {
                int right = chosen[g].Count(d => d.Color == colour);
                credits.Add(right / (double)group.Count);
                if (right < group.Count && chosen[g].Count > 0)
                    reasons.Add($"expected {colour} {group.Class}, found {string.Join(", ", chosen[g].Select(d => d.Color + " " + group.Class))}");
            }
        }
        if (spec.Relation is { } relation && spec.Objects.Count >= 2)
        {
            bool holds = chosen[0].Count > 0 && chosen[1].Count > 0 &&
                chosen[0].All(a => chosen[1].All(b => SpatialRelation.Holds(relation, a.Box, b.Box, canvas)));
            credits.Add(holds ? 1 : 0);
            if (!holds && chosen[0].Count > 0 && chosen[1].Count > 0)
                reasons.Add($"expected {spec.Objects[0].Class} {relation} {spec.Objects[1].Class}, centres ({chosen[0][0].Box.CenterX:0.#}, {chosen[0][0].Box.CenterY:0.#}) and ({chosen[1][0].Box.CenterX:0.#}, {chosen[1][0].Box.CenterY:0.#})");
        }
        return (credits.Average(), string.Join("; ", reasons));
    }

    private static IEnumerable<int[]> Subsets(int[] items, int size)
    {
        if (size == 0) { yield return []; yield break; }
        for (int i = 0; i <= items.Length - size; i++)
            foreach (var rest in Subsets(items[(i + 1)..], size - 1))
                yield return [items[i], .. rest];
    }
}
