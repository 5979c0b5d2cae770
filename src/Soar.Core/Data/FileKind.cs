using System.Runtime.InteropServices;

namespace Soar.Core.Data;

/// <summary>
/// What kind of file a path names, following symbolic links, without opening it: opening a named pipe blocks
/// until a writer comes and reading a device such as /dev/zero never ends, so only regular files may be opened.
/// </summary>
internal static class FileKind
{
    /// <summary>Null for a regular file, else what it is ("a named pipe", "a character device", ...).</summary>
    public static string? NotRegular(string path)
    {
        if (Directory.Exists(path)) return "a folder";
        if (!OperatingSystem.IsLinux()) return File.Exists(path) ? null : "missing";
        var buffer = new byte[256];
        // statx has one layout on every Linux architecture (stx_mode is the u16 at byte 28), unlike struct stat.
        if (statx(AtFdCwd, path, 0, StatxType, buffer) != 0) return "missing or unreadable";
        int mode = BitConverter.ToUInt16(buffer, 28) & 0xF000;
        return mode switch
        {
            0x8000 => null,
            0x1000 => "a named pipe (FIFO)",
            0x2000 => "a character device",
            0x6000 => "a block device",
            0xC000 => "a socket",
            0x4000 => "a folder",
            _ => $"not a regular file (mode 0x{mode:x})",
        };
    }

    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, string path, int flags, uint mask, byte[] buffer);
}
