namespace Soar.Core.Checkpoints;

/// <summary>One tensor's header entry: data offsets are relative to the first byte after the header.</summary>
public sealed record SafeTensorsEntry(string Name, SafeTensorsDType DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}
