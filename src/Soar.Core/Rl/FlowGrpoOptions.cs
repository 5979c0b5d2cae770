namespace Soar.Core.Rl;

/// <summary>
/// The Flow-GRPO hyper-parameters of a run (the optimizer's, steps, logging and checkpoints are its TrainingOptions). Defaults follow the official code's GenEval/OCR configs (a = 0.7, T = 10,
/// clip 1e-4, beta 0.04, CFG 4.5, advantages clipped to 5, batch std); G and prompts per step are sized for a CPU.
/// </summary>
public sealed record FlowGrpoOptions
{
    public int PromptsPerStep { get; init; } = 2;
    /// <summary>G: rollouts per prompt (24 in the paper; 8 keeps a CPU step to seconds).</summary>
    public int GroupSize { get; init; } = 8;
    /// <summary>T: SDE steps per rollout.</summary>
    public int SdeSteps { get; init; } = 10;
    /// <summary>Share of the T transitions trained on, from the start: floor(T * fraction) (0.99 -> the first T - 1).</summary>
    public double TimestepFraction { get; init; } = 0.99;
    /// <summary>a: SDE noise level.</summary>
    public double NoiseLevel { get; init; } = 0.7;
    public double Cfg { get; init; } = 4.5;
    public double ClipRange { get; init; } = 1e-4;
    /// <summary>beta: weight of the KL penalty to the frozen reference model.</summary>
    public double Beta { get; init; } = 0.04;
    public double AdvantageClip { get; init; } = 5;
    /// <summary>Divide advantages by the std of the whole batch (reference GenEval/OCR configs) instead of each group's.</summary>
    public bool GlobalStd { get; init; } = true;
    /// <summary>Optimizer steps per RL step: the rollouts are shuffled and split into this many mini-batches (reference: 2).</summary>
    public int MiniBatches { get; init; } = 2;
    public int InnerEpochs { get; init; } = 1;
    /// <summary>Seed of the prompt draws, rollout noise and shuffling (the stage's Seed).</summary>
    public long Seed { get; init; }
    /// <summary>Consecutive collapsed steps (no reward signal at all) tolerated before the run stops.</summary>
    public int CollapsePatience { get; init; } = 5;

    public int RolloutsPerStep => PromptsPerStep * GroupSize;

    public int TrainedTimesteps => Math.Max(1, (int)Math.Floor(SdeSteps * TimestepFraction));

    public void Validate()
    {
        if (PromptsPerStep < 1) throw new ArgumentException($"PromptsPerStep must be at least 1, got {PromptsPerStep}");
        if (GroupSize < 2) throw new ArgumentException($"GroupSize must be at least 2 (advantages compare rollouts of one prompt), got {GroupSize}");
        if (SdeSteps < 2) throw new ArgumentException($"SdeSteps must be at least 2, got {SdeSteps}");
        if (TimestepFraction is <= 0 or > 1) throw new ArgumentException($"TimestepFraction must be in (0, 1], got {TimestepFraction}");
        if (!(NoiseLevel > 0)) throw new ArgumentException($"NoiseLevel must be positive (0 makes the step deterministic and its log-probability undefined), got {NoiseLevel}");
        if (ClipRange < 0) throw new ArgumentException($"ClipRange must be non-negative, got {ClipRange}");
        if (Beta < 0) throw new ArgumentException($"Beta must be non-negative, got {Beta}");
        if (!(AdvantageClip > 0)) throw new ArgumentException($"AdvantageClip must be positive, got {AdvantageClip}");
        if (MiniBatches < 1 || MiniBatches > RolloutsPerStep)
            throw new ArgumentException($"MiniBatches must be between 1 and PromptsPerStep * GroupSize = {RolloutsPerStep}, got {MiniBatches}");
        if (InnerEpochs < 1) throw new ArgumentException($"InnerEpochs must be at least 1, got {InnerEpochs}");
        if (CollapsePatience < 1) throw new ArgumentException($"CollapsePatience must be at least 1, got {CollapsePatience}");
    }
}
