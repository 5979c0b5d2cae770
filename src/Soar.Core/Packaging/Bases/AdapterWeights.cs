using Soar.Core.Checkpoints;
using static TorchSharp.torch;

namespace Soar.Core.Packaging.Bases;

/// <summary>
/// A checkpoint's LoRA tensors alone (names with .lora_A. / .lora_B.), under the checkpoint's own state-dict names:
/// what an adapter package carries instead of model.safetensors and ema.safetensors.
/// </summary>
public static class AdapterWeights
{
    /// <summary>Package sub-folder of a link holding its model.safetensors and ema.safetensors adapters.</summary>
    public const string Folder = "adapter";

    public static bool IsAdapter(string name) => name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);

    /// <summary>
    /// Writes the adapter tensors of <paramref name="checkpointFile"/> to <paramref name="target"/>, copied as bytes from
    /// the header's offsets: a 5 GB checkpoint is never loaded to cut out its adapters.
    /// </summary>
    public static void Extract(string checkpointFile, string target)
    {
        var header = SafeTensorsFile.ReadHeader(checkpointFile);
        var adapters = header.Entries.Where(e => IsAdapter(e.Name)).ToList();
        if (adapters.Count == 0) throw new InvalidDataException($"{checkpointFile} holds no LoRA tensors although its config names adapters");
        var entries = new List<SafeTensorsEntry>(adapters.Count);
        long offset = 0;
        foreach (var e in adapters)
        {
            entries.Add(e with { Begin = offset, End = offset + e.ByteLength });
            offset += e.ByteLength;
        }
        var json = SafeTensorsHeader.Serialize(entries, header.Metadata);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using var source = File.OpenRead(checkpointFile);
        using var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write);
        Span<byte> length = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        output.Write(length);
        output.Write(json);
        var buffer = new byte[1 << 16];
        foreach (var e in adapters)
        {
            source.Position = header.DataStart + e.Begin;
            for (long left = e.ByteLength; left > 0;)
            {
                int read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0) throw new EndOfStreamException($"{checkpointFile}: {e.Name} is cut short");
                output.Write(buffer, 0, read);
                left -= read;
            }
        }
    }

    /// <summary>Copies <paramref name="file"/>'s adapters into <paramref name="model"/>: exactly its adapter tensors, names and shapes checked.</summary>
    public static void LoadInto(string file, nn.Module model)
    {
        var (tensors, _) = SafeTensorsFile.Load(file);
        try
        {
            var target = model.state_dict().Where(t => IsAdapter(t.Key)).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
            var wrong = target.Keys.Where(k => !tensors.TryGetValue(k, out var t) || !t.shape.SequenceEqual(target[k].shape))
                .Concat(tensors.Keys.Where(k => !target.ContainsKey(k))).Order(StringComparer.Ordinal).ToList();
            if (wrong.Count > 0)
                throw new InvalidDataException($"{file}: its adapters do not fit the model its config describes ({string.Join(", ", wrong.Take(5))}{(wrong.Count > 5 ? ", ..." : "")})");
            using var noGrad = no_grad();
            foreach (var (name, t) in target) t.copy_(tensors[name]);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
