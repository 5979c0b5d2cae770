using System.Runtime.InteropServices;

namespace Soar.Core.Devices;

/// <summary>
/// Returns freed native memory to the OS. libtorch frees tensors into glibc's malloc arenas, which keep the pages:
/// without a trim, RSS creeps up across repeated sampling calls although nothing leaks.
/// </summary>
public static partial class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    public static void Trim()
    {
        if (_unavailable) return;
        try { malloc_trim(0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true; // not glibc (e.g. musl): nothing to trim
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int malloc_trim(nuint pad);
}
