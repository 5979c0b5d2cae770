using System.Runtime.InteropServices;
using System.Text;

namespace Soar.Core.Checkpoints;

/// <summary>
/// Crash-safe file writes: write a temp file beside the target, flush it to disk, rename it into place,
/// then flush the directory so the rename itself survives a power loss.
/// </summary>
public static class DurableFile
{
    /// <summary>Writes <paramref name="path"/> atomically: readers see the old file or the whole new one, never a part.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = $"{full}.tmp-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        SyncDirectory(directory);
    }

    /// <summary>Writes UTF-8 text (no BOM) atomically.</summary>
    public static void WriteText(string path, string text) =>
        Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(text)));

    /// <summary>Flushes a directory's entries (renames, creations) to disk; a no-op where the OS offers no way.</summary>
    public static void SyncDirectory(string directory)
    {
        // .NET cannot open a directory as a stream, and POSIX needs an fsync on the directory for renames to be durable.
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var fd = open(directory, 0 /* O_RDONLY */);
        if (fd < 0) return;
        try
        {
            fsync(fd);
        }
        finally
        {
            close(fd);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
