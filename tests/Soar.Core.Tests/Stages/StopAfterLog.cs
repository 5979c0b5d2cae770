using Soar.Core.Stages;

namespace Soar.Core.Tests.Stages;

/// <summary>Cancels the run once it has logged a given step, the way a killed worker stops mid-stage.</summary>
public sealed class StopAfterLog(string stage, int step, CancellationTokenSource cts, TextWriter writer) : IStageLog
{
    private readonly ConsoleStageLog _inner = new(stage, writer);
    public void Info(string message) => _inner.Info(message);
    public void Warning(string code, string message) => _inner.Warning(code, message);
    public void Progress(int s, int total, IReadOnlyDictionary<string, double> metrics, TimeSpan? eta)
    {
        _inner.Progress(s, total, metrics, eta);
        if (s >= step) cts.Cancel();
    }
}
