using System.Globalization;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// One build at a time per output root: &lt;root&gt;/.lock names the build that holds it (pid, start time, host, command
/// line). The lock lives as long as that process: a lock whose holder is gone (or whose pid now belongs to another
/// process) is taken over; one held from another host is never presumed dead.
/// </summary>
public static class OutputRootLock
{
    public const string FileName = ".lock";

    public sealed record Holder(ProcessIdentity Process, string Host, string Command, DateTime SinceUtc)
    {
        public bool IsLive => Host != Environment.MachineName || Process.IsAlive;
    }

    public static string PathOf(StageLayout layout) => Path.Combine(layout.OutputRoot, FileName);

    /// <summary>Takes the lock for <paramref name="build"/> (again, if it already holds it); null, or the error naming the holder.</summary>
    public static string? Acquire(StageLayout layout, ProcessIdentity build)
    {
        Directory.CreateDirectory(layout.OutputRoot);
        using var guard = OpenGuard(layout);
        if (Read(layout) is { } holder && !IsHeldBy(holder, build) && holder.IsLive)
            return Describe(layout, holder);
        var path = PathOf(layout);
        File.WriteAllText(path + ".tmp", string.Join('\n',
            $"process={build}", $"host={Environment.MachineName}", $"command={ProcessIdentity.CommandLine(build.Pid)}", ""));
        File.Move(path + ".tmp", path, overwrite: true);
        return null;
    }

    public static bool IsHeldBy(StageLayout layout, ProcessIdentity build) => Read(layout) is { } holder && IsHeldBy(holder, build);

    public static Holder? Read(StageLayout layout)
    {
        var path = PathOf(layout);
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        var fields = lines.Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return fields.TryGetValue("process", out var process) && ProcessIdentity.Parse(process) is { } identity
            ? new Holder(identity, fields.GetValueOrDefault("host", ""), fields.GetValueOrDefault("command", ""), File.GetLastWriteTimeUtc(path))
            : null;  // unreadable: no build wrote it completely (it writes a temp file and renames), so nobody holds it
    }

    public static string Describe(StageLayout layout, Holder holder) =>
        $"another build is using {layout.OutputRoot}: pid {holder.Process.Pid} on host {holder.Host} ({holder.Command}), " +
        $"since {holder.SinceUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC; wait for it to finish or stop it" +
        (holder.Host == Environment.MachineName ? $" (kill {holder.Process.Pid})" : $"; if it is gone, delete {PathOf(layout)}");

    private static bool IsHeldBy(Holder holder, ProcessIdentity build) => holder.Host == Environment.MachineName && holder.Process == build;

    /// <summary>Serialises two builds deciding at the same moment: FileShare.None is an exclusive flock on Unix.</summary>
    private static FileStream OpenGuard(StageLayout layout)
    {
        var path = PathOf(layout) + ".guard";
        for (var attempt = 0; ; attempt++)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (attempt < 200) { Thread.Sleep(50); }
        }
    }
}
