using Soar.Core.Stages;

namespace Soar.Core.Tests.Rl;

/// <summary>A stage log that keeps warnings and progress metrics for assertions.</summary>
public sealed class RecordingLog : IStageLog
{
    public List<(string Code, string Message)> Warnings { get; } = new();
    public List<IReadOnlyDictionary<string, double>> Progress { get; } = new();

    public void Info(string message) { }
    public void Warning(string code, string message) => Warnings.Add((code, message));
    void IStageLog.Progress(int step, int total, IReadOnlyDictionary<string, double> metrics, TimeSpan? eta) => Progress.Add(metrics);
}
