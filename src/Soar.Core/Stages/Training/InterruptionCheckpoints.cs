using Soar.Core.Checkpoints;
using Soar.Core.Logging;

namespace Soar.Core.Stages.Training;

/// <summary>
/// Periodic checkpoints of a training stage kept in the spec's ResumeDir (stable across attempts of the same
/// fingerprint), so a stage killed at any moment resumes from its last complete checkpoint on the next build.
/// </summary>
public sealed class InterruptionCheckpoints(string resumeDir)
{
    public string CheckpointDir { get; } = Path.Combine(resumeDir, "checkpoint");
    private string MetricsCopy => Path.Combine(resumeDir, MetricsLog.JsonlFileName);

    /// <summary>The last complete checkpoint of an interrupted attempt, or null. A damaged one is reported and discarded.</summary>
    public CheckpointReader? TryOpen(IStageLog log)
    {
        if (!Directory.Exists(CheckpointDir)) return null;
        try
        {
            var reader = CheckpointReader.Open(CheckpointDir);
            reader.Verify();
            return reader;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or IOException)
        {
            log.Warning("SOAR2105", $"ignoring the interrupted run's checkpoint {CheckpointDir}: {e.Message}; training starts over");
            Directory.Delete(CheckpointDir, recursive: true);
            return null;
        }
    }

    /// <summary>Saves the training state atomically and keeps a copy of the metrics so far.</summary>
    public void Save(Action<string> saveCheckpoint, string metricsJsonl)
    {
        saveCheckpoint(CheckpointDir);
        if (!File.Exists(metricsJsonl)) return;
        // Temp file + rename: a kill mid-copy must not leave a truncated log for the resumed run to restore.
        File.Copy(metricsJsonl, MetricsCopy + ".tmp", overwrite: true);
        File.Move(MetricsCopy + ".tmp", MetricsCopy, overwrite: true);
    }

    /// <summary>Puts the interrupted attempt's metrics back in place so the resumed log reads as one run.</summary>
    public void RestoreMetrics(string metricsJsonl)
    {
        if (!File.Exists(MetricsCopy)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(metricsJsonl)!);
        File.Copy(MetricsCopy, metricsJsonl, overwrite: true);
    }
}
