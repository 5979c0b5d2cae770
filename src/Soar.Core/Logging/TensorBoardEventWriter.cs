using System.Buffers.Binary;
using Google.Protobuf;
using Tensorboard;
using TorchSharp.Utils;

namespace Soar.Core.Logging;

/// <summary>
/// Appends scalar summaries to one TensorBoard event file: TFRecord framing (u64 LE length, masked CRC32C of the
/// length, serialized <c>Event</c>, masked CRC32C of the event), first record <c>file_version: "brain.Event:2"</c>.
/// TorchSharp's own <c>SummaryWriter</c> is not used: 0.107 stamps its first record with DateTime ticks as
/// the wall time, rounds scalar wall times to whole seconds and reopens the file for every event.
/// </summary>
public sealed class TensorBoardEventWriter : IDisposable
{
    private readonly FileStream _stream;

    public TensorBoardEventWriter(string path, double wallTime)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        Write(new Event { WallTime = wallTime, FileVersion = "brain.Event:2" });
    }

    public string Path { get; }

    /// <summary>Writes one event holding every scalar of a step; flushed so TensorBoard sees it while training runs.</summary>
    public void WriteScalars(long step, double wallTime, IEnumerable<KeyValuePair<string, float>> scalars)
    {
        var summary = new Summary();
        foreach (var (tag, value) in scalars)
            summary.Value.Add(new Summary.Types.Value { Tag = tag, SimpleValue = value });
        Write(new Event { WallTime = wallTime, Step = step, Summary = summary });
    }

    /// <summary>Writes one image summary (PNG bytes), shown in TensorBoard's Images tab under <paramref name="tag"/>.</summary>
    public void WriteImage(long step, double wallTime, string tag, byte[] png, int width, int height)
    {
        var image = new Summary.Types.Image { Height = height, Width = width, Colorspace = 3, EncodedImageString = ByteString.CopyFrom(png) };
        var summary = new Summary();
        summary.Value.Add(new Summary.Types.Value { Tag = tag, Image = image });
        Write(new Event { WallTime = wallTime, Step = step, Summary = summary });
    }

    public void Dispose() => _stream.Dispose();

    private void Write(Event record)
    {
        var data = record.ToByteArray();
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)data.Length);
        Span<byte> crc = stackalloc byte[4];
        _stream.Write(length);
        BinaryPrimitives.WriteUInt32LittleEndian(crc, MaskedCrc(length));
        _stream.Write(crc);
        _stream.Write(data);
        BinaryPrimitives.WriteUInt32LittleEndian(crc, MaskedCrc(data));
        _stream.Write(crc);
        _stream.Flush();
    }

    /// <summary>TFRecord's CRC masking: rotate right by 15 bits and add a constant.</summary>
    private static uint MaskedCrc(byte[] bytes)
    {
        var crc = CRC32C.process(bytes);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
