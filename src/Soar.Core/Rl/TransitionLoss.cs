using static TorchSharp.torch;

namespace Soar.Core.Rl;

/// <summary>The loss of one schedule step for a mini-batch and the diagnostics of that step.</summary>
public sealed record TransitionLoss(Tensor Loss, double PolicyLoss, double Kl, double ClipFraction, double ApproxKl, double Entropy);
