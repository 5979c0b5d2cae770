using static TorchSharp.torch;

namespace Soar.Core.Training;

/// <summary>One micro-batch: clean images x0 in [-1, 1] ([B, C, H, W]) and caption ids ([B, L], after caption dropout).</summary>
/// <param name="LossScale">The factor the trainer back-propagates this micro-batch's loss with (1 / micro-batches of the
/// update): an objective that back-propagates parts of its loss itself (<see cref="Objectives.ObjectiveOutput.BackPropagated"/>) uses it.</param>
public sealed record TrainingBatch(Tensor Images, Tensor CaptionIds, Tensor EmptyCaptionIds, double LossScale = 1.0);
