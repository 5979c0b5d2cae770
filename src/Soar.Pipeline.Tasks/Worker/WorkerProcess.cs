using System.Diagnostics;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// Runs the soar worker, relays each output line as it comes, and on cancellation sends SIGINT, then kills the
/// process tree if it has not exited within the grace period.
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

    /// <summary>Runs to completion; returns the exit code, or null when the run was cancelled.</summary>
    public static int? Run(ProcessStartInfo info, Action<string, bool> onLine, CancellationToken cancellation, TimeSpan grace)
    {
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data, false); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data, true); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        DateTime? killAt = null;
        while (!process.WaitForExit(100))
        {
            if (!cancellation.IsCancellationRequested) continue;
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
        return cancellation.IsCancellationRequested ? null : process.ExitCode;
    }
}
