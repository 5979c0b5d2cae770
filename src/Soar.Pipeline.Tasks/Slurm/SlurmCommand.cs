using System.Diagnostics;

namespace Soar.Pipeline.Tasks;

/// <summary>Runs one Slurm client command (sbatch, scontrol, sacct, scancel) to completion and returns what it printed.</summary>
public static class SlurmCommand
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        /// <summary>stderr, else stdout, on one line: what the command said when it refused.</summary>
        public string Said => (Error.Trim().Length > 0 ? Error : Output).Trim().ReplaceLineEndings(" ");
    }

    /// <summary>Runs <paramref name="command"/>; a missing command throws Win32Exception, one that hangs past <paramref name="timeout"/> is killed (exit -1).</summary>
    public static Result Run(string command, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, CreateNoWindow = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* exited meanwhile */ }
            process.WaitForExit();
            return new Result(-1, output.Result, $"{command} did not answer within {timeout.TotalSeconds:0} s");
        }
        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
