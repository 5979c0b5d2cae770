using System.Diagnostics;

namespace Soar.Core.Stages;

/// <summary>
/// Wall seconds spent in each named phase of one stage run, summed over repeats (every arm's sampling adds to
/// "sampling"). Timing only: it lands in the manifest's run section, never in an output file or a fingerprint.
/// </summary>
public sealed class PhaseTimes
{
    private readonly SortedDictionary<string, double> _seconds = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, double> Seconds => _seconds;

    public T Time<T>(string phase, Func<T> work)
    {
        var clock = Stopwatch.StartNew();
        try { return work(); }
        finally { Add(phase, clock.Elapsed.TotalSeconds); }
    }

    public void Time(string phase, Action work) => Time(phase, () => { work(); return 0; });

    public void Add(string phase, double seconds) =>
        _seconds[phase] = _seconds.GetValueOrDefault(phase) + seconds;

    public void AddAll(PhaseTimes other)
    {
        foreach (var (phase, seconds) in other._seconds) Add(phase, seconds);
    }

    /// <summary>"sampling 12.3 s (61%), drift 4.1 s (20%), ..." in decreasing order of time.</summary>
    public string Describe()
    {
        double total = _seconds.Values.Sum();
        return string.Join(", ", _seconds.OrderByDescending(p => p.Value)
            .Select(p => FormattableString.Invariant($"{p.Key} {p.Value:F1} s ({(total > 0 ? 100 * p.Value / total : 0):F0}%)")));
    }
}
