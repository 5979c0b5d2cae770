using System.Diagnostics;
using System.Text;

namespace Soar.Bench;

/// <summary>
/// Wall time of `dotnet build` on a pipeline whose stages are all up to date: one untimed build brings them up to
/// date (long if stages are stale), then <c>repeats</c> timed builds. Minimal verbosity (not quiet) so the SDK's
/// "up to date, skipped" messages can be counted; a failed build throws with its exit code and last lines.
/// </summary>
public static class NoopRebuildBenchmark
{
    private static readonly TimeSpan NoopTimeout = TimeSpan.FromMinutes(10);

    public static NoopRebuildReport Run(string project, int repeats)
    {
        Console.WriteLine($"first build of {project} (brings its stages up to date: this can take long if they are stale)");
        var (firstSeconds, _) = Build(project, null);
        var seconds = new List<double>();
        var skipped = new List<int>();
        for (int i = 0; i < repeats; i++)
        {
            var (time, output) = Build(project, NoopTimeout);
            seconds.Add(time);
            skipped.Add(output.Split('\n').Count(l => l.Contains("up to date, skipped")));
        }
        if (skipped.Distinct().Count() > 1) Console.WriteLine($"warning: skipped-stage counts differ between builds ({string.Join(", ", skipped)}): some stage reran");
        return new NoopRebuildReport(project, firstSeconds, repeats, Stats.Median(seconds), seconds.Min(), seconds.Max(), [.. seconds], [.. skipped]);
    }

    private static (double Seconds, string Output) Build(string project, TimeSpan? timeout)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(project)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "build", project, "-nologo", "-v:m", "-nodeReuse:false" }) info.ArgumentList.Add(a);
        // `dotnet run` may leave MSBuild settings in our environment; the child build must resolve its own SDK.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList()) info.Environment.Remove(key);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout ?? Timeout.InfiniteTimeSpan))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"dotnet build {project} did not finish within {timeout}:\n{Tail(output)}");
        }
        process.WaitForExit(); // drains the output readers
        double seconds = clock.Elapsed.TotalSeconds;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet build {project} failed with exit code {process.ExitCode}; last lines:\n{Tail(output)}");
        return (seconds, output.ToString());
    }

    private static string Tail(StringBuilder output)
    {
        string[] lines;
        lock (output) lines = output.ToString().TrimEnd().Split('\n');
        return string.Join('\n', lines.TakeLast(30));
    }
}

public sealed record NoopRebuildReport(string Project, double FirstBuildSeconds, int Repeats, double MedianSeconds, double MinSeconds, double MaxSeconds,
    double[] Seconds, int[] StagesSkipped);
