using System.Buffers.Binary;

namespace Soar.Core.Imaging;

/// <summary>
/// Cuts the first frame out of an animated WebP as a still WebP, because this ImageSharp version decodes every
/// frame of an animation (20 frames of a small file can take gigabytes) and cannot be told to stop after one.
/// RIFF layout: "RIFF" size "WEBP", then chunks (FourCC, little-endian size, payload padded to even); an animation
/// has VP8X with the animation flag, ANIM, and one ANMF per frame (x, y, width-1, height-1, duration, flags, then the
/// frame's ALPH / VP8 / VP8L sub-chunks).
/// </summary>
internal static class WebpFirstFrame
{
    private const byte AnimationFlag = 0x02, AlphaFlag = 0x10;

    /// <summary>The first frame as a still WebP, or null when <paramref name="bytes"/> is not an animated WebP.</summary>
    public static byte[]? Extract(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 30 || !bytes[..4].SequenceEqual("RIFF"u8) || !bytes[8..12].SequenceEqual("WEBP"u8)) return null;
        if (!bytes[12..16].SequenceEqual("VP8X"u8) || (bytes[20] & AnimationFlag) == 0) return null;
        foreach (var (fourCc, payload) in Chunks(bytes, 12))
        {
            if (!fourCc.SequenceEqual("ANMF"u8)) continue;
            if (payload.Length < 16) throw new InvalidDataException("animated WebP frame header is truncated");
            int width = ReadUInt24(payload[6..]) + 1, height = ReadUInt24(payload[9..]) + 1;
            var frameData = payload[16..];
            bool alpha = false;
            foreach (var (sub, _) in Chunks(frameData, 0))
                alpha |= sub.SequenceEqual("ALPH"u8) || sub.SequenceEqual("VP8L"u8);
            return Still(width, height, alpha, frameData);
        }
        throw new InvalidDataException("animated WebP has no frame");
    }

    private static byte[] Still(int width, int height, bool alpha, ReadOnlySpan<byte> frameData)
    {
        var result = new byte[12 + 18 + frameData.Length];
        "RIFF"u8.CopyTo(result);
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(4), (uint)(result.Length - 8));
        "WEBP"u8.CopyTo(result.AsSpan(8));
        "VP8X"u8.CopyTo(result.AsSpan(12));
        BinaryPrimitives.WriteUInt32LittleEndian(result.AsSpan(16), 10);
        result[20] = alpha ? AlphaFlag : (byte)0;
        WriteUInt24(result.AsSpan(24), width - 1);
        WriteUInt24(result.AsSpan(27), height - 1);
        frameData.CopyTo(result.AsSpan(30));
        return result;
    }

    private static List<(byte[] FourCc, byte[] Payload)> Chunks(ReadOnlySpan<byte> data, int offset)
    {
        var chunks = new List<(byte[], byte[])>();
        while (offset + 8 <= data.Length)
        {
            long size = BinaryPrimitives.ReadUInt32LittleEndian(data[(offset + 4)..]);
            if (offset + 8 + size > data.Length) throw new InvalidDataException("WebP chunk runs past the end of the file");
            chunks.Add((data.Slice(offset, 4).ToArray(), data.Slice(offset + 8, (int)size).ToArray()));
            offset += 8 + (int)size + (int)(size & 1);
        }
        return chunks;
    }

    private static int ReadUInt24(ReadOnlySpan<byte> b) => b[0] | b[1] << 8 | b[2] << 16;

    private static void WriteUInt24(Span<byte> b, int value)
    {
        b[0] = (byte)value;
        b[1] = (byte)(value >> 8);
        b[2] = (byte)(value >> 16);
    }
}
