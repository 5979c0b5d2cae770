using System.Globalization;

namespace Soar.Core.Stages;

/// <summary>
/// The processes a worker run belongs to, from $SOAR_BUILD_LEASE ("pid:start;pid:start": the build, then the task
/// host that started the worker; start = /proc/&lt;pid&gt;/stat field 22, as the build task records it). The worker stops
/// as soon as one of them is gone, so no stage outlives a killed build (docs/pipeline-sdk.md). A run started by hand
/// (no variable) has no lease.
/// </summary>
public sealed class BuildLease(IReadOnlyList<(int Pid, long StartTicks)> holders)
{
    public const string Variable = "SOAR_BUILD_LEASE";

    public IReadOnlyList<(int Pid, long StartTicks)> Holders { get; } = holders;

    public static BuildLease? FromEnvironment() => Parse(Environment.GetEnvironmentVariable(Variable));

    public static BuildLease? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !Directory.Exists("/proc/self")) return null;
        var holders = new List<(int, long)>();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = part.Split(':');
            if (fields.Length != 2 || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || !long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start))
                throw new StageException("SOAR2015", $"${Variable} is '{text}', not 'pid:start;...'; it is set by the build task, unset it to run a stage by hand");
            holders.Add((pid, start));
        }
        return holders.Count > 0 ? new BuildLease(holders) : null;
    }

    /// <summary>The first holder that is no longer running (or whose pid now belongs to another process), or null.</summary>
    public int? FirstGone() => Holders.Where(h => StartTicksOf(h.Pid) != h.StartTicks).Select(h => (int?)h.Pid).FirstOrDefault();

    /// <summary>
    /// Cancels the returned source once a holder is gone (checked every <paramref name="period"/>), after calling
    /// <paramref name="onGone"/>; a run that has not stopped <paramref name="grace"/> later is ended with exit code 130
    /// (never, given <see cref="Timeout.InfiniteTimeSpan"/>).
    /// </summary>
    public Watch Start(CancellationToken outer, TimeSpan period, TimeSpan grace, Action<int> onGone) => new(this, outer, period, grace, onGone);

    public sealed class Watch : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly Timer _timer;
        private int _fired;

        internal Watch(BuildLease lease, CancellationToken outer, TimeSpan period, TimeSpan grace, Action<int> onGone)
        {
            _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
            _timer = new Timer(_ =>
            {
                if (Volatile.Read(ref _fired) != 0 || lease.FirstGone() is not { } pid || Interlocked.Exchange(ref _fired, 1) != 0) return;
                onGone(pid);
                _source.Cancel();
                // A stage busy in code that does not check the token must still not outlive its build.
                if (grace != Timeout.InfiniteTimeSpan) new Thread(() => { Thread.Sleep(grace); Environment.Exit(130); }) { IsBackground = true }.Start();
            }, null, TimeSpan.Zero, period);
        }

        public CancellationToken Token => _source.Token;
        public bool Fired => Volatile.Read(ref _fired) != 0;

        public void Dispose()
        {
            _timer.Dispose();
            _source.Dispose();
        }
    }

    private static long? StartTicksOf(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // Field 2 (the command name) may hold spaces and parentheses; the fields after its last ')' are plain.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return fields[0] is "Z" or "X" ? null : long.Parse(fields[19], CultureInfo.InvariantCulture);
    }
}
