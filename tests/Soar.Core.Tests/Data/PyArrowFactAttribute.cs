using System.Diagnostics;

namespace Soar.Core.Tests.Data;

/// <summary>A fact that runs only where python3 can import pyarrow (Debian: apt-get install python3-pyarrow, where the release ships it).</summary>
public sealed class PyArrowFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public PyArrowFactAttribute()
    {
        if (Missing.Value is { } reason) Skip = reason;
    }

    private static string? Probe()
    {
        try
        {
            var (code, _, error) = PyArrow.Run("import pyarrow", []);
            return code == 0 ? null : $"pyarrow is not installed (python3 said: {error.Trim().Split('\n').LastOrDefault()}); install python3-pyarrow to run this independent-reader check";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "python3 is not on PATH; install python3 and pyarrow to run this independent-reader check";
        }
    }
}

internal static class PyArrow
{
    public static (int ExitCode, string Output, string Error) Run(string script, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        // Only a guard against a hung interpreter, as long as CI's own limit: a loaded machine must not fail the check.
        if (!process.WaitForExit(TimeSpan.FromMinutes(90))) { process.Kill(); throw new TimeoutException("python3 did not finish within 90 minutes"); }
        return (process.ExitCode, output.Result, error.Result);
    }
}
