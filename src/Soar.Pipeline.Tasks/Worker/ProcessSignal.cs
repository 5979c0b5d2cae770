using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Soar.Pipeline.Tasks;

/// <summary>Asks a process to stop the way Ctrl+C does (SIGINT), so the worker can cancel cleanly before a hard kill.</summary>
public static class ProcessSignal
{
    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>True when the signal was sent; false where POSIX signals do not exist.</summary>
    public static bool Interrupt(Process process)
    {
        if (OperatingSystem.IsWindows()) return false;
        try { return Kill(process.Id, SigInt) == 0; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }
}
