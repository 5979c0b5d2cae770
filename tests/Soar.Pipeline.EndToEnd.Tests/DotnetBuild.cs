using System.Diagnostics;
using System.Text;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>Runs the real `dotnet` CLI as a child process with an environment cleaned of the test host's MSBuild settings.</summary>
internal static class DotnetBuild
{
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
    public static (int ExitCode, string Output) Run(ProcessStartInfo info, TimeSpan timeout)
    {
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', info.ArgumentList)} did not finish in {timeout}:\n{output}");
        }
        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }
}
