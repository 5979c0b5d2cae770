namespace Soar.Core.Stages;

/// <summary>One kind of pipeline stage (curate, sft, ...). Implementations live beside this file, one per kind.</summary>
public interface IStage
{
    /// <summary>The kind name used in .soarproj files (Kind="sft").</summary>
    string Kind { get; }

    /// <summary>
    /// Runs the stage, writing every artefact under <see cref="StageContext.OutputDir"/>. Returns the metrics
    /// recorded in the stage manifest. The runner writes manifest.json afterwards.
    /// </summary>
    StageResult Run(StageContext context, CancellationToken cancellationToken);
}

/// <summary>What a finished stage reports back: summary metrics, the seeds it drew from and where its time went.</summary>
public sealed class StageResult
{
    public Dictionary<string, double> Metrics { get; } = new();
    public Dictionary<string, long> Seeds { get; } = new();
    public Dictionary<string, string> Notes { get; } = new();
    /// <summary>Wall time per phase (manifest run section only; not deterministic).</summary>
    public PhaseTimes Phases { get; } = new();
}
