using System.Text;

namespace Soar.Core.Data;

/// <summary>
/// Reads a text file as strict UTF-8, one physical line at a time, so a byte that is not UTF-8 (a Latin-1 "é")
/// is an error naming its line instead of a silent U+FFFD, and a line over <c>maxLineBytes</c> cannot exhaust memory.
/// A leading byte-order mark is skipped; the line terminator ("\n" or "\r\n") is not part of the line.
/// </summary>
internal static class Utf8Lines
{
    public const int DefaultMaxLineBytes = 1 << 20;

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="name">How the file is named in errors.</param>
    public static IEnumerable<(int Line, string Text)> Read(string path, string name, int maxLineBytes = DefaultMaxLineBytes)
    {
        if (FileKind.NotRegular(path) is { } kind)
            throw new InvalidDataException($"{name}: is {kind}, not a regular file; only regular files are read");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var line = new MemoryStream();
        int number = 1, b;
        bool first = true;
        while ((b = stream.ReadByte()) >= 0)
        {
            if (b == '\n')
            {
                yield return (number, Decode(line, name, number, first));
                first = false;
                line.SetLength(0);
                number++;
                continue;
            }
            if (line.Length >= maxLineBytes)
                throw new InvalidDataException($"{name} line {number}: longer than {maxLineBytes} bytes; split it or check that this is a text file");
            line.WriteByte((byte)b);
        }
        if (line.Length > 0) yield return (number, Decode(line, name, number, first));
    }

    private static string Decode(MemoryStream line, string name, int number, bool first)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (first && bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            int column = e.Index >= 0 ? e.Index + 1 : 0;
            var bad = e.BytesUnknown is { Length: > 0 } u ? string.Join(" ", u.Select(x => $"0x{x:X2}")) : "?";
            throw new InvalidDataException($"{name} line {number}: not valid UTF-8 (byte {bad} at byte {column} of the line); save the file as UTF-8 (it may be Latin-1 or Windows-1252)", e);
        }
    }
}
