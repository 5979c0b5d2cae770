using System.Text.RegularExpressions;

namespace Soar.Pipeline.Tasks;

/// <summary>A worker output line in canonical MSBuild form, e.g. "soar : error SOAR2003: upstream ... has no output".</summary>
public sealed record WorkerLine(bool IsError, string Code, string Message)
{
    private static readonly Regex Canonical = new(
        @"^\s*(?<origin>[^:]*?)\s*:\s*(?<category>error|warning)\s+(?<code>[A-Za-z]+\d+)\s*:\s*(?<message>.*)$",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

    public static WorkerLine? TryParse(string line)
    {
        var m = Canonical.Match(line);
        return m.Success
            ? new WorkerLine(m.Groups["category"].Value.Equals("error", StringComparison.OrdinalIgnoreCase), m.Groups["code"].Value, m.Groups["message"].Value)
            : null;
    }
}
