using Soar.Core.Eval.Detection;
using Soar.Core.Imaging;

namespace Soar.Core.Eval.Scoring;

/// <summary>
/// Flow-GRPO's OCR score (docs/evaluation.md): the target is the text between the first pair of double quotes;
/// spaces removed and both lower-cased; distance 0 when the target is a substring of the recognised text, else the
/// Levenshtein distance capped at the target's length; score = 1 - d / len(target).
/// </summary>
public static class OcrScorer
{
    public static double Score(RgbImage image, string prompt) => ScoreText(GlyphReader.Read(image), prompt);

    /// <summary>The rule alone, for text already recognised.</summary>
    public static double ScoreText(string recognised, string prompt) => Rule(Normalise(recognised), Normalise(TargetOf(prompt)));

    public static string TargetOf(string prompt)
    {
        int open = prompt.IndexOf('"');
        int close = open < 0 ? -1 : prompt.IndexOf('"', open + 1);
        if (close < 0) throw new ArgumentException($"an OCR prompt quotes its text between double quotes, got: {prompt}", nameof(prompt));
        return prompt[(open + 1)..close];
    }

    private static string Normalise(string text) => text.Replace(" ", "").ToLowerInvariant();

    private static double Rule(string recognised, string target)
    {
        if (target.Length == 0) throw new ArgumentException("the quoted OCR target is empty");
        int d = recognised.Contains(target, StringComparison.Ordinal) ? 0 : Math.Min(Levenshtein.Distance(recognised, target), target.Length);
        return 1 - d / (double)target.Length;
    }
}
