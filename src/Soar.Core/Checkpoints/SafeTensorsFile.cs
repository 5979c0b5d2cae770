using System.Buffers.Binary;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Checkpoints;

/// <summary>
/// Reads and writes the Hugging Face safetensors format: u64 LE header length N, N bytes of JSON header,
/// then the raw little-endian tensor bytes, contiguous and without gaps.
/// </summary>
public static class SafeTensorsFile
{
    private const int CopyBufferBytes = 1 << 20;

    /// <summary>
    /// Writes <paramref name="tensors"/> (copied to CPU, made contiguous) and optional string metadata to
    /// <paramref name="path"/> via a temp file, fsync and rename. Entry order and padding match the reference writer.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this writer copies raw bytes and needs a little-endian host.");
        ArgumentNullException.ThrowIfNull(tensors);

        using var scope = NewDisposeScope();
        var prepared = new List<(string Name, SafeTensorsDType DType, Tensor Data)>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            if (name == SafeTensorsHeader.MetadataKey)
                throw new ArgumentException($"A tensor cannot be named '{SafeTensorsHeader.MetadataKey}': the format reserves it for metadata.", nameof(tensors));
            var dtype = SafeTensorsDType.FromScalarType(tensor.dtype) ?? throw new ArgumentException(
                $"Tensor '{name}' has dtype {tensor.dtype}, which safetensors cannot store; convert it first.", nameof(tensors));
            prepared.Add((name, dtype, tensor.detach().cpu().contiguous()));
        }
        prepared.Sort((a, b) => SafeTensorsHeader.WriterOrder(a.Name, a.DType, b.Name, b.DType));

        var entries = new List<SafeTensorsEntry>(prepared.Count);
        long offset = 0;
        foreach (var (name, dtype, data) in prepared)
        {
            var length = checked(data.NumberOfElements * dtype.ElementSize);
            entries.Add(new SafeTensorsEntry(name, dtype, data.shape, offset, offset + length));
            offset += length;
        }
        var header = SafeTensorsHeader.Serialize(entries, metadata);
        if (header.Length > SafeTensorsHeader.MaxHeaderBytes)
            throw new ArgumentException($"The safetensors header for '{path}' would be {header.Length} bytes, over the format's {SafeTensorsHeader.MaxHeaderBytes}-byte limit.");

        DurableFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var (_, _, data) in prepared)
                if (data.NumberOfElements > 0)
                    data.WriteBytesToStream(stream, CopyBufferBytes);
        });
    }

    /// <summary>Loads every tensor (as CPU tensors the caller owns) and the metadata map; validates the whole file first.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Load(string path)
    {
        using var stream = OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Loads from a seekable stream (e.g. bytes already read and verified); <paramref name="path"/> names it in errors.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Load(Stream stream, string path)
    {
        var header = ReadHeader(stream, path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            stream.Position = header.DataStart;
            foreach (var entry in header.Entries)
            {
                var tensor = empty(entry.Shape, entry.DType.ScalarType);
                tensors.Add(entry.Name, tensor);
                if (entry.ByteLength > 0)
                {
                    try
                    {
                        tensor.ReadBytesFromStream(stream, CopyBufferBytes);
                    }
                    catch (EndOfStreamException)
                    {
                        throw SafeTensorsHeader.Invalid(path, $"the file ended inside tensor '{entry.Name}' (it changed while being read?)");
                    }
                }
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return (tensors, new Dictionary<string, string>(header.Metadata, StringComparer.Ordinal));
    }

    /// <summary>Reads and validates only the header: names, dtypes, shapes, offsets and metadata.</summary>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Reads and validates only the header of a seekable stream; <paramref name="path"/> names it in errors.</summary>
    public static SafeTensorsHeader ReadHeader(Stream stream, string path)
    {
        stream.Position = 0;
        var fileLength = stream.Length;
        if (fileLength < 8)
            throw SafeTensorsHeader.Invalid(path, $"it is {fileLength} bytes long, shorter than the 8-byte header length");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        var n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > SafeTensorsHeader.MaxHeaderBytes)
            throw SafeTensorsHeader.Invalid(path, $"its header length {n} is over the {SafeTensorsHeader.MaxHeaderBytes}-byte limit (not a safetensors file?)");
        if ((long)n > fileLength - 8)
            throw SafeTensorsHeader.Invalid(path, $"its header length {n} is larger than the {fileLength - 8} bytes after the length field (truncated, or not a safetensors file?)");
        var json = new byte[n];
        stream.ReadExactly(json);
        return SafeTensorsHeader.Parse(json, fileLength - 8 - (long)n, path);
    }

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Safetensors file '{path}' does not exist.", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
    }
}
