using System.Text;

namespace Soar.Pipeline.Tasks;

/// <summary>Follows a file another machine appends to (a job's log on a shared file system): each call returns the complete lines added since the last.</summary>
public sealed class LogTail(string path)
{
    private long _offset;
    private byte[] _pending = [];

    /// <summary>New complete lines; with <paramref name="final"/>, also an unterminated last line.</summary>
    public IReadOnlyList<string> Read(bool final = false)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // A log truncated under us (rewritten from its start) is read from its start again.
            if (stream.Length < _offset) { _offset = 0; _pending = []; }
            stream.Seek(_offset, SeekOrigin.Begin);
            using var added = new MemoryStream();
            added.Write(_pending);
            stream.CopyTo(added);
            _offset = stream.Position;
            _pending = added.ToArray();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { /* not written yet */ }
        // Cut at the last newline byte: it never occurs inside a UTF-8 character, so none is decoded in halves.
        var end = final ? _pending.Length - 1 : Array.LastIndexOf(_pending, (byte)'\n');
        if (end < 0) return [];
        var text = Encoding.UTF8.GetString(_pending, 0, end + 1);
        _pending = _pending[(end + 1)..];
        return text.TrimEnd('\n').Split('\n').Select(l => l.TrimEnd('\r')).ToList();
    }
}
