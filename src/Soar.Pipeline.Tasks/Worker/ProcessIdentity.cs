using System.Globalization;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// A process as the kernel knows it: its pid plus its start time (clock ticks since boot, /proc/&lt;pid&gt;/stat field 22),
/// so a pid reused by a later process is never taken for the one recorded. Where /proc does not exist, the start time
/// is 0 and only the pid is compared.
/// </summary>
public readonly record struct ProcessIdentity(int Pid, long StartTicks)
{
    private static bool HasProc => Directory.Exists("/proc/self");

    public static ProcessIdentity Current => Of(Environment.ProcessId) ?? new(Environment.ProcessId, 0);

    /// <summary>The running process with this pid, or null when there is none (a zombie counts as none).</summary>
    public static ProcessIdentity? Of(int pid)
    {
        if (!HasProc)
        {
            try { using var p = System.Diagnostics.Process.GetProcessById(pid); return new(pid, 0); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return null; }
        }
        return Stat(pid) is { State: not 'Z' and not 'X' } stat ? new(pid, stat.Start) : null;
    }

    public bool IsAlive => Of(Pid) is { } now && now.StartTicks == StartTicks;

    public static int? ParentOf(int pid) => Stat(pid)?.Parent;

    /// <summary>The command line, arguments separated by spaces; empty when unknown.</summary>
    public static string CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }

    public override string ToString() => $"{Pid}:{StartTicks.ToString(CultureInfo.InvariantCulture)}";

    public static ProcessIdentity? Parse(string text)
    {
        var parts = text.Trim().Split(':');
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? new ProcessIdentity(pid, start) : null;
    }

    private static (char State, int Parent, long Start)? Stat(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // Field 2 (the command name) may hold spaces and parentheses; the fields after its last ')' are plain.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture));
    }
}
