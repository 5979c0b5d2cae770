namespace Soar.Core.Training;

/// <summary>Optimisation hyper-parameters of a training stage (recorded in config.json).</summary>
public sealed record TrainingOptions
{
    public int Steps { get; init; } = 200;
    public int BatchSize { get; init; } = 32;
    public int GradAccumulation { get; init; } = 1;
    public double LearningRate { get; init; } = 3e-4;
    public int WarmupSteps { get; init; }
    public double WeightDecay { get; init; } = 0.01;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double GradClip { get; init; } = 1.0;
    public double EmaDecay { get; init; }
    public double CaptionDropout { get; init; } = 0.1;
    public long Seed { get; init; }
    public int LogEvery { get; init; } = 10;
    public int CheckpointEvery { get; init; }

    public void Validate()
    {
        if (BatchSize % GradAccumulation != 0)
            throw new ArgumentException($"BatchSize {BatchSize} must be divisible by GradAccumulation {GradAccumulation}");
    }

    /// <summary>Linear warm-up to the base rate, then constant (the reference SOAR schedule is constant).</summary>
    public double LearningRateAt(int step) =>
        WarmupSteps > 0 && step < WarmupSteps ? LearningRate * (step + 1) / WarmupSteps : LearningRate;
}
