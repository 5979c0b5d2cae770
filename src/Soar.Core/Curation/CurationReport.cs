using System.Text.Json;
using System.Text.Json.Serialization;
using Soar.Core.Imaging;

namespace Soar.Core.Curation;

/// <summary>curation-report.json: rows read and kept, dropped rows counted per reason and listed one by one
/// (up to <see cref="MaxListedDrops"/>), and the duplicate groups (up to <see cref="MaxListedGroups"/>).</summary>
public sealed class CurationReport
{
    public const string FileName = "curation-report.json";
    public const int MaxListedDrops = 100_000;
    public const int MaxListedGroups = 10_000;

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        // Row names and messages stay readable (quotes, non-ASCII captions); control characters are still escaped.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public string Source { get; init; } = "";
    public long RowsRead { get; set; }
    public long Kept { get; set; }
    public long DroppedTotal => Dropped.Values.Sum();
    public SortedDictionary<string, long> Dropped { get; init; } = new(StringComparer.Ordinal);
    public List<RowDrop> Drops { get; init; } = new();
    public List<DuplicateGroup> DuplicateGroups { get; init; } = new();
    /// <summary>Kept rows whose caption was cleaned (see <see cref="CaptionCleaning"/>), counted and listed.</summary>
    public long CaptionsCleaned { get; set; }
    public List<RowNote> Cleaned { get; init; } = new();
    /// <summary>Files read from outside the Source folder (AllowOutsideSource), relative to the project folder.</summary>
    public List<string> OutsideFiles { get; init; } = new();

    public void AddCleaned(RowNote note)
    {
        CaptionsCleaned++;
        if (Cleaned.Count < MaxListedDrops) Cleaned.Add(note);
    }

    public void Add(RowDrop drop)
    {
        Dropped[drop.Reason] = Dropped.GetValueOrDefault(drop.Reason) + 1;
        if (Drops.Count < MaxListedDrops) Drops.Add(drop);
    }

    /// <summary>"kept 1, dropped 1000 (unreadable 998, missing_caption 2)".</summary>
    public string Summary() =>
        $"kept {Kept} of {RowsRead} rows" + (DroppedTotal == 0 ? "" : $", dropped {DroppedTotal} ({string.Join(", ", Dropped.Select(kv => $"{kv.Key} {kv.Value}"))})");

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static CurationReport Load(string path) =>
        JsonSerializer.Deserialize<CurationReport>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty report");

    public sealed record DuplicateGroup(string Kept, IReadOnlyList<string> Duplicates)
    {
        [JsonIgnore] public int Size => Duplicates.Count + 1;
    }
}
