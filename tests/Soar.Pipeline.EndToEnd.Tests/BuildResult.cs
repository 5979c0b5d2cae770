using System.Text.RegularExpressions;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>What one `dotnet build` of a .soarproj did, read from its log.</summary>
internal sealed partial class BuildResult(int exitCode, string output, TimeSpan elapsed)
{
    public int ExitCode { get; } = exitCode;
    public string Output { get; } = output;
    public TimeSpan Elapsed { get; } = elapsed;
    public bool Succeeded => ExitCode == 0;

    /// <summary>Stages that ran, in order.</summary>
    public IReadOnlyList<string> Ran => Running().Matches(Output).Select(m => m.Groups[1].Value).ToList();
    public IReadOnlyList<string> Skipped => UpToDate().Matches(Output).Select(m => m.Groups[1].Value).ToList();

    [GeneratedRegex(@"Stage '([^']+)' \([a-z-]+\) running")]
    private static partial Regex Running();

    [GeneratedRegex(@"Stage '([^']+)' \([a-z-]+\) up to date, skipped")]
    private static partial Regex UpToDate();

    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s\n{Output}";
}
