namespace Soar.Core.Eval.Scoring;

/// <summary>A mean with its 95% confidence interval and the number of images behind it.</summary>
public sealed record ScoreSummary(double Mean, double Lower, double Upper, int N);
