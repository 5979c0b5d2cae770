namespace Soar.Bench;

/// <summary>Resident memory of this process from /proc/self/status (Linux).</summary>
public static class ProcessMemory
{
    public static double CurrentRssMiB() => Read("VmRSS:");
    public static double PeakRssMiB() => Read("VmHWM:");

    private static double Read(string key)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }
}
