using Soar.Core.Data;
using Soar.Core.Eval.Scoring;
using Soar.Core.Imaging;
using Soar.Core.Rewards;
using Soar.Core.Worlds;

namespace Soar.Core.Curation;

/// <summary>
/// Keeps rows whose score is at least <see cref="Threshold"/>. "world": the eval stage's built-in scorer checks the
/// row's annotations against the image (GenEval detector on shapes, glyph reader on glyphs; a row without
/// annotations it can check scores 0). "command:&lt;command line&gt;": the command gets the path of the normalised
/// PNG as its last argument and prints one number, as a command reward does.
/// </summary>
public sealed class ScoreFilter : IDisposable
{
    public const string WorldScorerName = "world";

    private readonly CommandReward? _command;
    private readonly string _scratch;

    public string Name { get; }
    public double Threshold { get; }

    private ScoreFilter(string name, double threshold, CommandReward? command)
    {
        Name = name;
        Threshold = threshold;
        _command = command;
        _scratch = Path.Combine(Path.GetTempPath(), $"soar-curate-score-{Environment.ProcessId}-{Guid.NewGuid():N}");
    }

    /// <summary>Null for an empty spec. Throws <see cref="ArgumentException"/> for an unknown one.</summary>
    public static ScoreFilter? Parse(string spec, double threshold, string baseDirectory, TimeSpan timeout)
    {
        spec = spec.Trim();
        if (spec.Length == 0) return null;
        if (spec.Equals(WorldScorerName, StringComparison.OrdinalIgnoreCase)) return new ScoreFilter(WorldScorerName, threshold, null);
        if (spec.StartsWith(RewardCatalog.CommandPrefix, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return new ScoreFilter(spec, threshold, new CommandReward(spec[RewardCatalog.CommandPrefix.Length..], baseDirectory, timeout));
            }
            catch (RewardException e)
            {
                throw new ArgumentException($"ScoreFilter: {e.Message}", e);
            }
        }
        throw new ArgumentException($"ScoreFilter '{spec}' is unknown; use '{WorldScorerName}' (the built-in detector checks each row's annotations) or '{RewardCatalog.CommandPrefix}<command line>' (prints a score for the image path it is given)");
    }

    /// <summary>The row's score and what it rests on. Command failures throw <see cref="RewardException"/>.</summary>
    public (double Score, string Detail) Score(RgbImage image, DatasetRecord row, CancellationToken cancellationToken)
    {
        if (_command is null) return ScoreByWorld(image, row);
        Directory.CreateDirectory(_scratch);
        var path = Path.Combine(_scratch, $"{Guid.NewGuid():N}.png");
        ImageCodec.SavePng(image, path);
        try
        {
            return (_command.ScoreFile(path, cancellationToken), $"{_command.CommandLine} printed");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (double, string) ScoreByWorld(RgbImage image, DatasetRecord row)
    {
        if (row.Annotations is null) return (0, "no annotations to check");
        WorldAnnotations annotations;
        try
        {
            annotations = WorldAnnotations.FromJson(row.Annotations);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or ArgumentException)
        {
            return (0, $"annotations are not world annotations ({e.Message})");
        }
        var scorer = WorldScorer.For(annotations.World);
        if (scorer is null || !scorer.CanScore(row.Caption, annotations.Spec)) return (0, $"no built-in scorer can check a '{annotations.World}' row");
        var verdict = scorer.Score(image, row.Caption, annotations.Spec);
        return (verdict.Value, $"{scorer.Metric}: {verdict.Reason}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
    }
}
