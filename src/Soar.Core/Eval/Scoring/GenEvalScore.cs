namespace Soar.Core.Eval.Scoring;

/// <summary>
/// A GenEval verdict for one image: <see cref="Correct"/> is the 0/1 GenEval rule; <see cref="PartialCredit"/> in [0, 1]
/// (count closeness 1 - |n - N| / N, colour and position credit) is the dense reward Flow-GRPO trains on.
/// </summary>
public sealed record GenEvalScore(bool Correct, double PartialCredit, string Reason);
