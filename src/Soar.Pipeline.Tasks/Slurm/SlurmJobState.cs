using System.Globalization;
using System.Text.RegularExpressions;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// One job as Slurm reports it: its state (JobState of `scontrol show job -o`, or State of `sacct`), reason, exit code
/// and the signal that ended it ("ExitCode=E:S"), its node, restarts and time limit.
/// </summary>
public sealed partial record SlurmJobState(string State, string Reason, int ExitCode, int Signal, string Nodes, int Restarts, string TimeLimit)
{
    /// <summary>States after which the job runs no more (Slurm's base states; a requeued job passes through PENDING again).</summary>
    private static readonly HashSet<string> Terminal = new(StringComparer.Ordinal)
    {
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "DEADLINE", "PREEMPTED", "SPECIAL_EXIT", "REVOKED",
    };

    public bool IsTerminal => Terminal.Contains(State);
    public bool IsRunning => State is "RUNNING" or "COMPLETING" or "CONFIGURING" or "STAGE_OUT" or "SIGNALING";

    /// <summary>The job in `scontrol show job -o &lt;id&gt;` output (one line of Key=Value fields), or null.</summary>
    public static SlurmJobState? FromScontrol(string output)
    {
        string Field(string key) => Regex.Match(output, $@"(?:^|\s){key}=(\S*)", RegexOptions.CultureInvariant) is { Success: true } m ? m.Groups[1].Value : "";
        var state = Field("JobState");
        if (state.Length == 0) return null;
        var (exit, signal) = ParseExitCode(Field("ExitCode"));
        return new SlurmJobState(state, Field("Reason"), exit, signal, Field("NodeList"), ParseInt(Field("Restarts")), Field("TimeLimit"));
    }

    /// <summary>
    /// The job in `sacct -n -P -o JobID,State,ExitCode,NodeList,Timelimit -j &lt;id&gt;` output: the allocation's line, or its
    /// first step's OUT_OF_MEMORY (a job whose batch step ran out of memory may itself read FAILED), or null.
    /// </summary>
    public static SlurmJobState? FromSacct(string output, string jobId)
    {
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split('|')).Where(f => f.Length >= 5).ToList();
        var job = rows.FirstOrDefault(f => f[0] == jobId);
        if (job is null) return null;
        // "CANCELLED by 1000": the base state is the first word.
        var state = job[1].Split(' ')[0];
        if (state == "FAILED" && rows.Any(f => f[0].StartsWith(jobId + ".", StringComparison.Ordinal) && f[1].StartsWith("OUT_OF_MEMORY", StringComparison.Ordinal)))
            state = "OUT_OF_MEMORY";
        var (exit, signal) = ParseExitCode(job[2]);
        return new SlurmJobState(state, "", exit, signal, job[3], 0, job[4]);
    }

    /// <summary>The job id sbatch --parsable printed ("123" or "123;cluster"), or null.</summary>
    public static string? ParseJobId(string sbatchOutput) =>
        JobId().Match(sbatchOutput) is { Success: true } m ? m.Groups[1].Value : null;

    private static (int Exit, int Signal) ParseExitCode(string text)
    {
        var parts = text.Split(':');
        return (ParseInt(parts[0]), parts.Length > 1 ? ParseInt(parts[1]) : 0);
    }

    private static int ParseInt(string text) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    [GeneratedRegex(@"^\s*([0-9]+(_[0-9]+)?)\s*(;.*)?$", RegexOptions.Multiline)]
    private static partial Regex JobId();
}
