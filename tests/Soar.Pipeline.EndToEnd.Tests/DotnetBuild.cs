using System.Diagnostics;
using System.Text;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>Runs the real `dotnet` CLI as a child process with an environment cleaned of the test host's MSBuild settings.</summary>
internal static class DotnetBuild
{
    /// <summary>
    /// Only a guard against a hung child (it kills the process tree and shows its output): as long as CI's own limit
    /// for a whole run, so a slow or loaded machine never fails a test that would have finished.
    /// </summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(90);

    public static ProcessStartInfo StartInfo(string workingDir, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        // The test host runs inside an MSBuild/VSTest environment; a child build must resolve its own SDK.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        return info;
    }

    /// <summary>Runs to completion and returns exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(ProcessStartInfo info)
    {
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(HangGuard))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', info.ArgumentList)} did not finish in {HangGuard} (hung?):\n{output}");
        }
        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    /// <summary>
    /// Starts the child and returns it, still running, once it printed a line containing <paramref name="marker"/>;
    /// when it ends without printing one, fails with its output instead of waiting out the guard.
    /// </summary>
    public static Process StartUntil(ProcessStartInfo info, string marker)
    {
        var output = new StringBuilder();
        var decided = new ManualResetEventSlim();
        bool found = false;
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) { decided.Set(); return; }  // stdout closed: the child ended
            lock (output) output.AppendLine(e.Data);
            if (e.Data.Contains(marker)) { found = true; decided.Set(); }
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!decided.Wait(HangGuard) || !found)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output) throw new InvalidOperationException($"dotnet {string.Join(' ', info.ArgumentList)} never printed '{marker}':\n{output}");
        }
        return process;
    }
}
