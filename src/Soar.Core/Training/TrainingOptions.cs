using Soar.Core.Devices;

namespace Soar.Core.Training;

/// <summary>Optimisation hyper-parameters of a training stage (recorded in config.json).</summary>
public sealed record TrainingOptions
{
    public int Steps { get; init; } = 200;
    public int BatchSize { get; init; } = 32;
    public int GradAccumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 3e-4;
    public int WarmupSteps { get; init; }
    /// <summary>After warm-up: "constant" (the reference SOAR schedule), "cosine" or "linear" decay to 0 at Steps.</summary>
    public string LrSchedule { get; init; } = "constant";
    public double WeightDecay { get; init; } = 0.01;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double GradClip { get; init; } = 1.0;
    public double EmaDecay { get; init; }
    /// <summary>Caps the EMA decay at (1 + n) / (10 + n) after n updates (diffusers' EMAModel), so early EMA weights track the model.</summary>
    public bool EmaWarmup { get; init; }
    public double CaptionDropout { get; init; } = 0.1;
    public long Seed { get; init; }
    public int LogEvery { get; init; } = 10;
    public int CheckpointEvery { get; init; }
    /// <summary>fp32, or bf16 autocast of the forward passes (master weights, gradients and AdamW state stay fp32).</summary>
    public Precision Precision { get; init; } = Precision.Fp32;
    /// <summary>Recompute each block's activations in the backward pass (<see cref="Models.BlockCheckpoint"/>) instead of keeping them.</summary>
    public bool GradientCheckpointing { get; init; }

    public static IReadOnlyList<string> LrSchedules { get; } = ["constant", "cosine", "linear"];

    public void Validate()
    {
        if (BatchSize % GradAccumulation != 0)
            throw new ArgumentException($"BatchSize {BatchSize} must be divisible by GradAccumulation {GradAccumulation}");
        if (!LrSchedules.Contains(LrSchedule))
            throw new ArgumentException($"LrSchedule '{LrSchedule}' is not one of {string.Join(", ", LrSchedules)}");
    }

    /// <summary>
    /// Linear warm-up over steps [0, WarmupSteps) to the base rate, then the schedule over [WarmupSteps, Steps):
    /// with p = (step - WarmupSteps) / (Steps - WarmupSteps), cosine is 0.5 (1 + cos(pi p)) and linear 1 - p.
    /// </summary>
    public double LearningRateAt(int step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        int span = Steps - WarmupSteps;
        double p = span > 0 ? Math.Clamp((double)(step - WarmupSteps) / span, 0, 1) : 0;
        return LrSchedule switch
        {
            "cosine" => LearningRate * 0.5 * (1 + Math.Cos(Math.PI * p)),
            "linear" => LearningRate * (1 - p),
            _ => LearningRate,
        };
    }

    /// <summary>The EMA decay of the n-th update (1-based).</summary>
    public double EmaDecayAt(long update) => EmaWarmup ? Math.Min(EmaDecay, (1.0 + update) / (10.0 + update)) : EmaDecay;
}
