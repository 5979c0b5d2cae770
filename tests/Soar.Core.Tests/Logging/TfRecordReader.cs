using System.Buffers.Binary;

namespace Soar.Core.Tests.Logging;

/// <summary>Reads TFRecord framing, checking the masked CRC of each length and each payload.</summary>
internal static class TfRecordReader
{
    public static List<byte[]> ReadAll(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var records = new List<byte[]>();
        var at = 0;
        while (at < bytes.Length)
        {
            if (bytes.Length - at < 12) throw new InvalidDataException($"truncated record header at byte {at}");
            var lengthBytes = bytes.AsSpan(at, 8);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8)) != Crc32C.Masked(lengthBytes))
                throw new InvalidDataException($"length CRC mismatch at byte {at}");
            var length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes));
            if (bytes.Length - at - 12 < length + 4) throw new InvalidDataException($"truncated record at byte {at}");
            var data = bytes.AsSpan(at + 12, length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + length)) != Crc32C.Masked(data))
                throw new InvalidDataException($"data CRC mismatch at byte {at}");
            records.Add(data.ToArray());
            at += 12 + length + 4;
        }
        return records;
    }
}
