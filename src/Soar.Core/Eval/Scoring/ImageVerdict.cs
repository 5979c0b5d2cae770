namespace Soar.Core.Eval.Scoring;

/// <summary>One generated image judged against its prompt: 0/1 correctness, the score value averaged into the metric, and why.</summary>
public sealed record ImageVerdict(bool Correct, double Value, string Reason);
