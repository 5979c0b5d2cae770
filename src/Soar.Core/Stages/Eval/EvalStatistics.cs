using Soar.Core.Eval.Scoring;

namespace Soar.Core.Stages.Eval;

/// <summary>
/// Turns per-image verdicts into reported numbers with 95% intervals, per prompt set: Wilson for 0/1 rates, a
/// percentile bootstrap stratified by task for the overall score and the means, and a paired bootstrap (same
/// resampled items for both arms) for differences between arms.
/// </summary>
public static class EvalStatistics
{
    /// <summary>GenEval: unweighted mean of the task means over the given items of a set; OCR: mean score.</summary>
    public static double MainScore(EvalRun run, EvalPromptSet set, IReadOnlyList<EvalItem> items, IEnumerable<int> indices)
    {
        var chosen = indices.Select(i => items[i]).Where(i => i.Verdict is not null).ToArray();
        if (chosen.Length == 0) return double.NaN;
        if (run.Metric == "geneval")
            return GenEvalSummary.Overall(chosen.Select(i => (set.Prompts[i.Prompt].Family, i.Verdict!.Correct)));
        return chosen.Average(i => i.Verdict!.Value);
    }

    /// <summary>The main score of an arm over all its images of a set.</summary>
    public static double MainScore(EvalRun run, EvalPromptSet set, ArmResult arm)
    {
        var items = arm.Items[set.Name];
        return MainScore(run, set, items, Enumerable.Range(0, items.Count));
    }

    public static int[] Strata(EvalPromptSet set, IReadOnlyList<EvalItem> items)
    {
        var families = set.Families.ToList();
        return items.Select(i => families.IndexOf(set.Prompts[i.Prompt].Family)).ToArray();
    }

    public static ScoreSummary Main(EvalRun run, EvalPromptSet set, ArmResult arm)
    {
        var items = arm.Items[set.Name];
        int n = items.Count(i => i.Verdict is not null);
        var (lo, hi) = Bootstrap.Interval(Strata(set, items), idx => MainScore(run, set, items, idx), run.Seed);
        return new ScoreSummary(MainScore(run, set, arm), lo, hi, n);
    }

    /// <summary>Per task of a set: the rate of correct images (Wilson); for OCR also the mean score (bootstrap).</summary>
    public static IReadOnlyDictionary<string, ScoreSummary> Tasks(EvalRun run, EvalPromptSet set, ArmResult arm)
    {
        var result = new Dictionary<string, ScoreSummary>();
        var items = arm.Items[set.Name];
        foreach (var family in set.Families)
        {
            var verdicts = items.Where(i => set.Prompts[i.Prompt].Family == family && i.Verdict is not null).Select(i => i.Verdict!).ToArray();
            if (verdicts.Length == 0) continue;
            if (run.Metric == "ocr")
            {
                result[family] = Mean(verdicts.Select(v => v.Value).ToArray(), run.Seed);
                result[family + "_exact"] = ConfidenceInterval.WilsonSummary(verdicts.Select(v => v.Correct).ToArray());
            }
            else result[family] = ConfidenceInterval.WilsonSummary(verdicts.Select(v => v.Correct).ToArray());
        }
        return result;
    }

    /// <summary>Paired difference arm - baseline of the main score on a set, on the same resampled (prompt, sample) items.</summary>
    public static ScoreSummary Difference(EvalRun run, EvalPromptSet set, ArmResult arm, ArmResult baseline)
    {
        var items = arm.Items[set.Name];
        var baseItems = baseline.Items[set.Name];
        double d = MainScore(run, set, arm) - MainScore(run, set, baseline);
        var (lo, hi) = Bootstrap.Interval(Strata(set, items), idx => MainScore(run, set, items, idx) - MainScore(run, set, baseItems, idx), run.Seed);
        return new ScoreSummary(d, lo, hi, items.Count);
    }

    public static ScoreSummary Mean(IReadOnlyList<double> values, long seed)
    {
        if (values.Count == 0) return new ScoreSummary(double.NaN, double.NaN, double.NaN, 0);
        var (lo, hi) = Bootstrap.Interval(new int[values.Count], idx => idx.Average(i => values[i]), seed);
        return new ScoreSummary(values.Average(), lo, hi, values.Count);
    }

    /// <summary>Drift numbers at one step: clean and perturbed score, retention, confidence, critique and image distance.</summary>
    public static DriftSummary Drift(DriftRun run, long seed)
    {
        var distance = Mean(run.Distances, seed);
        if (run.CleanVerdicts.Any(v => v is null)) return new DriftSummary(run.Step, run.Fraction, run.Sigma, null, null, null, null, null, distance);
        var clean = run.CleanVerdicts.Select(v => v!).ToArray();
        var perturbed = run.PerturbedVerdicts.Select(v => v!).ToArray();
        var cleanScore = Mean(clean.Select(v => v.Value).ToArray(), seed);
        var perturbedScore = Mean(perturbed.Select(v => v.Value).ToArray(), seed);
        double? retention = cleanScore.Mean > 0 ? perturbedScore.Mean / cleanScore.Mean : null;
        // Confidence: clean runs that stay correct; critique: perturbed runs that end correct.
        var stayed = clean.Zip(perturbed).Where(p => p.First.Correct).Select(p => p.Second.Correct).ToArray();
        var confidence = ConfidenceInterval.WilsonSummary(stayed);
        var critique = ConfidenceInterval.WilsonSummary(perturbed.Select(v => v.Correct).ToArray());
        return new DriftSummary(run.Step, run.Fraction, run.Sigma, cleanScore, perturbedScore, retention, confidence, critique, distance);
    }
}
