using System.Buffers.Binary;
using System.Text;

namespace Soar.Core.Tests.Logging;

/// <summary>
/// A tensorflow.Event decoded by hand from protobuf wire format (fields: wall_time=1 double, step=2 int64,
/// file_version=3 string, summary=5 {value=1 {tag=1 string, simple_value=2 float}}), without the writer's library.
/// </summary>
internal sealed record DecodedEvent(double WallTime, long Step, string? FileVersion, List<KeyValuePair<string, float>> Scalars)
{
    public static DecodedEvent Parse(byte[] bytes)
    {
        double wallTime = 0;
        long step = 0;
        string? fileVersion = null;
        var scalars = new List<KeyValuePair<string, float>>();
        foreach (var (field, wire, value, payload) in Fields(bytes))
        {
            switch (field, wire)
            {
                case (1, 1): wallTime = BitConverter.Int64BitsToDouble((long)value); break;
                case (2, 0): step = (long)value; break;
                case (3, 2): fileVersion = Encoding.UTF8.GetString(payload); break;
                case (5, 2):
                    foreach (var (vf, vw, _, item) in Fields(payload))
                        if (vf == 1 && vw == 2) scalars.Add(ParseValue(item));
                    break;
                default: throw new InvalidDataException($"unexpected Event field {field} (wire type {wire})");
            }
        }
        return new DecodedEvent(wallTime, step, fileVersion, scalars);
    }

    private static KeyValuePair<string, float> ParseValue(byte[] bytes)
    {
        string? tag = null;
        float? simple = null;
        foreach (var (field, wire, value, payload) in Fields(bytes))
        {
            if (field == 1 && wire == 2) tag = Encoding.UTF8.GetString(payload);
            else if (field == 2 && wire == 5) simple = BitConverter.Int32BitsToSingle((int)value);
            else throw new InvalidDataException($"unexpected Summary.Value field {field}");
        }
        return KeyValuePair.Create(tag ?? throw new InvalidDataException("value without tag"), simple ?? throw new InvalidDataException("value without simple_value"));
    }

    private static IEnumerable<(int Field, int Wire, ulong Value, byte[] Payload)> Fields(byte[] bytes)
    {
        var at = 0;
        while (at < bytes.Length)
        {
            var key = Varint(bytes, ref at);
            var (field, wire) = ((int)(key >> 3), (int)(key & 7));
            switch (wire)
            {
                case 0: yield return (field, wire, Varint(bytes, ref at), []); break;
                case 1: yield return (field, wire, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at)), []); at += 8; break;
                case 5: yield return (field, wire, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)), []); at += 4; break;
                case 2:
                    var length = (int)Varint(bytes, ref at);
                    yield return (field, wire, 0, bytes.AsSpan(at, length).ToArray());
                    at += length;
                    break;
                default: throw new InvalidDataException($"unsupported wire type {wire}");
            }
        }
    }

    private static ulong Varint(byte[] bytes, ref int at)
    {
        ulong result = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[at++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return result;
        }
    }
}
