using Soar.Core.Eval.Scoring;

namespace Soar.Core.Stages.Eval;

/// <summary>Reported drift numbers at one injection step (score fields are null for data without a scorer).</summary>
public sealed record DriftSummary(int Step, double Fraction, double Sigma, ScoreSummary? Clean, ScoreSummary? Perturbed, double? Retention,
    ScoreSummary? Confidence, ScoreSummary? Critique, ScoreSummary ImageDistance);
