using static TorchSharp.torch;

namespace Soar.Core.Training;

/// <summary>One micro-batch: clean images x0 in [-1, 1] ([B, C, H, W]) and caption ids ([B, L], after caption dropout).</summary>
public sealed record TrainingBatch(Tensor Images, Tensor CaptionIds, Tensor EmptyCaptionIds);
