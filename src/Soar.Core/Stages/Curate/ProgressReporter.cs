using System.Diagnostics;

namespace Soar.Core.Stages.Curate;

/// <summary>Reports a long loop's progress about twenty times, with rows/s and an ETA.</summary>
internal sealed class ProgressReporter(IStageLog log, int total)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly int _every = Math.Max(1, total / 20);

    public void Step(int done)
    {
        if (done % _every != 0 && done != total) return;
        double seconds = Math.Max(_clock.Elapsed.TotalSeconds, 1e-6);
        double rate = done / seconds;
        TimeSpan? eta = total > done && rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : null;
        log.Progress(done, total, new Dictionary<string, double> { ["rows/s"] = Math.Round(rate, 1) }, eta);
    }
}
