using System.Text;
using System.Text.Json;

namespace Soar.Core.Checkpoints;

/// <summary>
/// The JSON header of a safetensors file: tensor entries in data order plus the <c>__metadata__</c> string map.
/// <see cref="Parse"/> validates everything a reader must trust; <see cref="Serialize"/> writes the bytes the
/// reference writer writes (compact JSON, entries by descending dtype rank then name, space padding to 8 bytes).
/// </summary>
public sealed class SafeTensorsHeader
{
    public const string MetadataKey = "__metadata__";

    /// <summary>The reference reader's limit (100 MB); larger headers are rejected before any allocation.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public SafeTensorsHeader(IReadOnlyList<SafeTensorsEntry> entries, IReadOnlyDictionary<string, string> metadata, long headerLength)
    {
        Entries = entries;
        Metadata = metadata;
        HeaderLength = headerLength;
    }

    /// <summary>Entries ordered by their data offsets.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>N, the JSON header's length in bytes (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>File offset of the first data byte.</summary>
    public long DataStart => 8 + HeaderLength;

    public long DataLength => Entries.Count == 0 ? 0 : Entries[^1].End;

    /// <summary>Parses and validates header JSON against a data section of <paramref name="dataLength"/> bytes.</summary>
    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string path)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(json);
        }
        catch (DecoderFallbackException e)
        {
            throw Invalid(path, $"its header is not valid UTF-8 ({e.Message})");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"its header is not valid JSON ({e.Message})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Invalid(path, $"its header is a JSON {document.RootElement.ValueKind}, expected an object");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<SafeTensorsEntry>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw Invalid(path, $"its header names '{property.Name}' twice");
                if (property.Name == MetadataKey)
                    ReadMetadata(property.Value, metadata, path);
                else
                    entries.Add(ReadEntry(property.Name, property.Value, path));
            }

            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            CheckLayout(entries, dataLength, path);
            return new SafeTensorsHeader(entries, metadata, json.Length);
        }
    }

    /// <summary>Header bytes (padded to a multiple of 8 with spaces) for tensors laid out in <paramref name="entries"/> order.</summary>
    public static byte[] Serialize(IReadOnlyList<SafeTensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new StringBuilder();
        json.Append('{');
        if (metadata is not null)
        {
            json.Append(Quote(MetadataKey)).Append(":{");
            var first = true;
            foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, Utf8Order.Instance))
            {
                if (!first) json.Append(',');
                first = false;
                json.Append(Quote(key)).Append(':').Append(Quote(value));
            }
            json.Append('}');
        }
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (i > 0 || metadata is not null) json.Append(',');
            json.Append(Quote(e.Name)).Append(":{\"dtype\":").Append(Quote(e.DType.Name))
                .Append(",\"shape\":[").AppendJoin(',', e.Shape).Append("],\"data_offsets\":[")
                .Append(e.Begin).Append(',').Append(e.End).Append("]}");
        }
        json.Append('}');

        var bytes = Encoding.UTF8.GetBytes(json.ToString());
        var padded = new byte[(bytes.Length + 7) / 8 * 8];
        Array.Fill(padded, (byte)' ');
        bytes.CopyTo(padded, 0);
        return padded;
    }

    /// <summary>The reference writer's order: descending dtype rank, then name by UTF-8 bytes.</summary>
    public static int WriterOrder(string nameA, SafeTensorsDType dtypeA, string nameB, SafeTensorsDType dtypeB) =>
        dtypeA.SortRank != dtypeB.SortRank ? dtypeB.SortRank.CompareTo(dtypeA.SortRank) : Utf8Order.Instance.Compare(nameA, nameB);

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid(path, $"its '{MetadataKey}' is a JSON {value.ValueKind}, expected an object of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Invalid(path, $"metadata key '{item.Name}' holds a JSON {item.Value.ValueKind}; safetensors metadata values must be strings");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Invalid(path, $"metadata key '{item.Name}' appears twice");
        }
    }

    private static SafeTensorsEntry ReadEntry(string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Invalid(path, $"tensor '{name}' is a JSON {value.ValueKind}, expected {{dtype, shape, data_offsets}}");
        // Unknown extra fields are ignored, as the reference reader does.
        if (!value.TryGetProperty("dtype", out var dtypeJson) || dtypeJson.ValueKind != JsonValueKind.String)
            throw Invalid(path, $"tensor '{name}' has no string 'dtype'");
        var dtypeName = dtypeJson.GetString()!;
        var dtype = SafeTensorsDType.FromName(dtypeName) ?? throw Invalid(path,
            SafeTensorsDType.IsKnownButUnsupported(dtypeName)
                ? $"tensor '{name}' has dtype {dtypeName}, which TorchSharp cannot hold"
                : $"tensor '{name}' has unknown dtype '{dtypeName}'");

        var shape = ReadNaturals(value, "shape", name, path, count: null);
        var offsets = ReadNaturals(value, "data_offsets", name, path, count: 2);
        long expected;
        try
        {
            expected = dtype.ElementSize;
            foreach (var d in shape) expected = checked(expected * d);
        }
        catch (OverflowException)
        {
            throw Invalid(path, $"tensor '{name}' has shape [{string.Join(',', shape)}], whose byte size overflows");
        }
        if (offsets[1] < offsets[0])
            throw Invalid(path, $"tensor '{name}' has data_offsets [{offsets[0]}, {offsets[1]}] that end before they begin");
        if (offsets[1] - offsets[0] != expected)
            throw Invalid(path, $"tensor '{name}' ({dtype.Name} [{string.Join(',', shape)}]) needs {expected} bytes but its data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]}");
        return new SafeTensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadNaturals(JsonElement entry, string field, string name, string path, int? count)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw Invalid(path, $"tensor '{name}' has no '{field}' array");
        var values = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var v) || v < 0)
                throw Invalid(path, $"tensor '{name}' has '{field}' entry {item.GetRawText()}, expected a non-negative integer");
            values.Add(v);
        }
        if (count is { } n && values.Count != n)
            throw Invalid(path, $"tensor '{name}' has {values.Count} '{field}' values, expected {n}");
        return values.ToArray();
    }

    private static void CheckLayout(List<SafeTensorsEntry> entries, long dataLength, string path)
    {
        long end = 0;
        string? previous = null;
        foreach (var e in entries)
        {
            if (e.Begin < end)
                throw Invalid(path, $"tensor '{e.Name}' data [{e.Begin}, {e.End}) overlaps tensor '{previous}' (ends at {end})");
            if (e.Begin > end)
                throw Invalid(path, previous is null
                    ? $"tensor '{e.Name}' data starts at {e.Begin}; the first tensor must start at 0 (no gaps allowed)"
                    : $"tensor '{e.Name}' data starts at {e.Begin}, leaving a gap after tensor '{previous}' (ends at {end})");
            end = e.End;
            previous = e.Name;
        }
        if (end > dataLength)
            throw Invalid(path, $"tensor '{previous}' data ends at {end}, past the {dataLength} data bytes in the file (truncated?)");
        if (end < dataLength)
            throw Invalid(path, $"the file has {dataLength - end} data bytes after the last tensor that no tensor covers");
    }

    private static string Quote(string s)
    {
        // The escapes serde_json writes: quote, backslash, short forms, other controls as lowercase \u00xx.
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ': sb.Append("\\u").Append(((int)c).ToString("x4")); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }

    internal static InvalidDataException Invalid(string path, string what) =>
        new($"Safetensors file '{path}' is invalid: {what}.");

    /// <summary>Orders strings by their UTF-8 bytes, as Rust's <c>String</c> ordering does.</summary>
    private sealed class Utf8Order : IComparer<string>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(string? x, string? y) =>
            Encoding.UTF8.GetBytes(x ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? ""));
    }
}
