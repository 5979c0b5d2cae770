using System.Diagnostics;

namespace Soar.Core.Stages.Curate;

/// <summary>Reports a long loop's progress at most once every <see cref="Interval"/> (and always the last step),
/// with rows/s and an ETA, so a long curation does not flood the build log.</summary>
internal sealed class ProgressReporter(IStageLog log, int total)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _last = TimeSpan.Zero;

    public void Step(int done)
    {
        var now = _clock.Elapsed;
        if (done < total && now - _last < Interval) return;
        _last = now;
        double seconds = Math.Max(now.TotalSeconds, 1e-6);
        double rate = done / seconds;
        TimeSpan? eta = total > done && rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : null;
        log.Progress(done, total, new Dictionary<string, double> { ["rows/s"] = Math.Round(rate, 1) }, eta);
    }
}
