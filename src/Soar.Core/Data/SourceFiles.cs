namespace Soar.Core.Data;

/// <summary>
/// The files of one user dataset, read under <see cref="DatasetReadOptions"/>: only regular files, at most
/// MaxFileBytes each, inside the dataset folder unless allowed (its real path, symbolic links resolved, decides),
/// named relative to <see cref="DatasetReadOptions.NamesRelativeTo"/>. Remembers the outside files it read.
/// </summary>
internal sealed class SourceFiles
{
    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    private readonly string _realRoot;
    private readonly SortedSet<string> _outside = new(StringComparer.Ordinal);

    public SourceFiles(string root, DatasetReadOptions options)
    {
        Root = Path.GetFullPath(root);
        _realRoot = RealPath.Of(Root);
        Options = options;
    }

    /// <summary>The dataset folder.</summary>
    public string Root { get; }
    public DatasetReadOptions Options { get; }
    /// <summary>Real paths of the regular files outside <see cref="Root"/> that rows named (only when allowed).</summary>
    public IReadOnlyCollection<string> OutsideFiles => _outside;

    /// <summary>A path as errors and reports show it.</summary>
    public string Name(string path) =>
        Options.NamesRelativeTo is { } baseDir ? Path.GetRelativePath(baseDir, path).Replace('\\', '/') : path;

    /// <summary>Reads <paramref name="relative"/> (relative to <paramref name="folder"/>), or says why not.</summary>
    public (byte[]? Bytes, RecordProblem Kind, string? Problem) ReadBytes(string folder, string relative, string where)
    {
        var full = Path.GetFullPath(Path.Combine(folder, relative));
        if (!File.Exists(full) && !Directory.Exists(full))
            return (null, RecordProblem.Unreadable, $"{where}: image file '{relative}' not found in {Name(folder)}");
        var real = RealPath.Of(full);
        if (!RealPath.IsUnder(real, _realRoot))
        {
            if (!Options.AllowOutsideFiles)
                return (null, RecordProblem.OutsideSource, $"{where}: '{relative}' resolves to {Name(real)}, outside the Source folder {Name(Root)}; move the file into it, or set AllowOutsideSource=\"true\" to read it there");
        }
        if (FileKind.NotRegular(real) is { } kind)
            return (null, RecordProblem.NotRegularFile, $"{where}: '{relative}' is {kind}, not a regular file; only regular files are read");
        Track(real);
        return ReadCapped(real, where, relative, Options.MaxFileBytes, "MaxFileBytes");
    }

    /// <summary>Reads a caption side file (strict UTF-8, at most MaxCaptionChars characters), or says why not.</summary>
    public (string? Caption, RecordProblem Kind, string? Problem) ReadCaption(string path, string where)
    {
        var shown = Path.GetFileName(path);
        var real = RealPath.Of(path);
        if (!RealPath.IsUnder(real, _realRoot))
        {
            if (!Options.AllowOutsideFiles)
                return (null, RecordProblem.OutsideSource, $"{where}: caption file '{shown}' resolves to {Name(real)}, outside the Source folder {Name(Root)}; move it into it, or set AllowOutsideSource=\"true\"");
        }
        if (FileKind.NotRegular(real) is { } kind)
            return (null, RecordProblem.NotRegularFile, $"{where}: caption file '{shown}' is {kind}, not a regular file; only regular files are read");
        Track(real);
        // UTF-8 takes at most 4 bytes a character, so a larger file cannot hold an acceptable caption.
        var (bytes, problemKind, problem) = ReadCapped(real, where, shown, 4L * Options.MaxCaptionChars + 3, "the caption file limit (4 x MaxCaptionChars)");
        if (bytes is null) return (null, RecordProblem.CaptionTooLong, problem);
        int start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            int at = start + Math.Max(0, e.Index);
            int line = 1 + bytes.AsSpan(0, Math.Min(at, bytes.Length)).Count((byte)'\n');
            return (null, RecordProblem.Unreadable, $"{where}: caption file '{shown}' line {line}: not valid UTF-8 (byte 0x{bytes[Math.Min(at, bytes.Length - 1)]:X2}); save it as UTF-8 (it may be Latin-1 or Windows-1252)");
        }
        text = text.Trim();
        return text.Length > Options.MaxCaptionChars
            ? (null, RecordProblem.CaptionTooLong, $"{where}: the caption has {text.Length} characters, over the limit {Options.MaxCaptionChars}; shorten it")
            : (text, problemKind, null);
    }

    // Regular files outside the root are remembered whether or not they are then usable: editing one may fix its row.
    private void Track(string real)
    {
        if (!RealPath.IsUnder(real, _realRoot)) _outside.Add(real);
    }

    /// <summary>Reads a regular file of at most <paramref name="maxBytes"/> bytes without trusting its reported size.</summary>
    public static (byte[]? Bytes, RecordProblem Kind, string? Problem) ReadCapped(string path, string where, string shown, long maxBytes, string parameter)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        if (stream.Length > maxBytes)
            return (null, RecordProblem.OverByteLimit, $"{where}: '{shown}' is {stream.Length} bytes, over {parameter}={maxBytes}; shrink it or raise {parameter}");
        var buffer = new byte[stream.Length];
        int read = 0, n;
        while (read < buffer.Length && (n = stream.Read(buffer, read, buffer.Length - read)) > 0) read += n;
        // A file that grows while it is read is cut at its reported size; one that shrank is read as it is now.
        return (read == buffer.Length ? buffer : buffer[..read], RecordProblem.Unreadable, null);
    }
}
