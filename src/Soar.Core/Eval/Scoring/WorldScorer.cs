using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Eval.Scoring;

/// <summary>
/// The built-in scorer of a world: GenEval rules on "shapes" (value = 0/1), the OCR score on "glyphs"
/// (value = 1 - d/len, correct = read exactly). Custom data has none.
/// </summary>
public sealed class WorldScorer
{
    public string World { get; }
    /// <summary>"geneval" or "ocr": the name of the metric the values make up.</summary>
    public string Metric { get; }

    private WorldScorer(string world, string metric)
    {
        World = world;
        Metric = metric;
    }

    public static WorldScorer? For(string world) => world.ToLowerInvariant() switch
    {
        "shapes" => new WorldScorer("shapes", "geneval"),
        "glyphs" => new WorldScorer("glyphs", "ocr"),
        _ => null,
    };

    /// <summary>Whether this scorer can judge a prompt (a GenEval spec on shapes, a quoted text on glyphs).</summary>
    public bool CanScore(string caption, PromptSpec? spec) =>
        Metric == "geneval" ? spec is not null && TaskFamily.GenEval.Contains(spec.Family) : caption.Count(c => c == '"') >= 2;

    public ImageVerdict Score(RgbImage image, string caption, PromptSpec? spec)
    {
        if (Metric == "geneval")
        {
            var s = GenEvalScorer.Score(image, spec ?? throw new ArgumentException($"no GenEval spec for '{caption}'", nameof(spec)));
            return new ImageVerdict(s.Correct, s.Correct ? 1 : 0, s.Reason);
        }
        var read = Detection.GlyphReader.Read(image);
        double value = OcrScorer.ScoreText(read, caption);
        return new ImageVerdict(value >= 1, value, $"read \"{read}\"");
    }
}
