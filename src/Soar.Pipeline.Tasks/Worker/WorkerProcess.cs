using System.Collections.Concurrent;
using System.Diagnostics;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// Runs the soar worker, relays each output line as it comes, and on cancellation (or when <c>stillWanted</c> turns
/// false) sends SIGINT, then kills the process tree if it has not exited within the grace period.
/// </summary>
public static class WorkerProcess
{
    public static ProcessStartInfo StartInfo(string toolPath, string? dotnetHost, IEnumerable<string> arguments)
    {
        var isDll = toolPath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = new ProcessStartInfo(isDll ? (string.IsNullOrEmpty(dotnetHost) ? "dotnet" : dotnetHost) : toolPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        if (isDll) info.ArgumentList.Add(toolPath);
        foreach (var a in arguments) info.ArgumentList.Add(a);
        return info;
    }

    /// <summary>
    /// Runs to completion; returns the exit code, or null when the run was cancelled or stopped because it was no
    /// longer wanted. <paramref name="onLine"/> is called on the calling thread only (the task's thread: MSBuild
    /// logging from other threads of a task host is not safe), so an exception in it never kills the process it runs in.
    /// </summary>
    public static int? Run(ProcessStartInfo info, Action<string, bool> onLine, CancellationToken cancellation, TimeSpan grace,
        Func<bool>? stillWanted = null)
    {
        var lines = new ConcurrentQueue<(string Line, bool IsError)>();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue((e.Data, false)); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue((e.Data, true)); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        DateTime? killAt = null;
        var stopped = false;
        var nextCheck = DateTime.UtcNow;
        while (!process.WaitForExit(100))
        {
            Drain(lines, onLine);
            if (!stopped && stillWanted is not null && DateTime.UtcNow >= nextCheck)
            {
                stopped = !stillWanted();
                nextCheck = DateTime.UtcNow.AddSeconds(1);
            }
            if (!cancellation.IsCancellationRequested && !stopped) continue;
            if (killAt is null)
            {
                killAt = DateTime.UtcNow + grace;
                if (!ProcessSignal.Interrupt(process)) killAt = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow >= killAt)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* exited meanwhile */ }
            }
        }
        process.WaitForExit();  // drains the output events
        Drain(lines, onLine);
        return cancellation.IsCancellationRequested || stopped ? null : process.ExitCode;
    }

    private static void Drain(ConcurrentQueue<(string Line, bool IsError)> lines, Action<string, bool> onLine)
    {
        while (lines.TryDequeue(out var entry)) onLine(entry.Line, entry.IsError);
    }
}
