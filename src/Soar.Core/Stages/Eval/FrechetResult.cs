namespace Soar.Core.Stages.Eval;

/// <summary>Fréchet distance (squared, as FID reports it) in the eval's own feature space, with a bootstrap interval.</summary>
public sealed record FrechetResult(double Distance, double Lower, double Upper, int Generated, int Real);
