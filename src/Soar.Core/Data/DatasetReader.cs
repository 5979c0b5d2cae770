using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace Soar.Core.Data;

/// <summary>
/// Streams <see cref="DatasetRecord"/>s from a Parquet file, a folder of Parquet shards (optionally one split),
/// a Hugging Face imagefolder (images + metadata.jsonl with file_name and caption/text), a folder of images plus
/// captions.csv, or image files with same-name .txt captions. Parquet is read one row group at a time.
/// Errors name the file, row or line and the missing column.
/// </summary>
public sealed class DatasetReader
{
    public const string MetadataFileName = "metadata.jsonl";

    /// <summary>The path given to <see cref="Open"/>.</summary>
    public string Location { get; }
    public DatasetSourceKind Kind { get; }
    /// <summary>Parquet files in read order, or the metadata.jsonl of an imagefolder.</summary>
    public IReadOnlyList<string> Files { get; }
    /// <summary>When true, a row whose image file or caption is missing is yielded with <see cref="DatasetRecord.Problem"/>
    /// (or an empty caption) instead of stopping the read; curation reports such rows one by one.</summary>
    public bool KeepBrokenRows { get; private init; }

    private DatasetReader(string location, DatasetSourceKind kind, IReadOnlyList<string> files)
    {
        Location = location;
        Kind = kind;
        Files = files;
    }

    /// <summary>Like <see cref="Open"/>, but broken rows are yielded with their problem rather than thrown.</summary>
    public static DatasetReader OpenKeepingBrokenRows(string path, string? split = null)
    {
        var reader = Open(path, split);
        return new DatasetReader(reader.Location, reader.Kind, reader.Files) { KeepBrokenRows = true };
    }

    /// <summary>
    /// Opens a dataset. <paramref name="split"/> (e.g. "train") selects shards named `{split}-*.parquet`,
    /// `{split}.parquet` or files under a `{split}` folder; null reads every Parquet file found.
    /// </summary>
    public static DatasetReader Open(string path, string? split = null)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
        {
            if (System.IO.Path.GetFileName(full).Equals(MetadataFileName, StringComparison.OrdinalIgnoreCase))
                return new DatasetReader(path, DatasetSourceKind.ImageFolder, [full]);
            return new DatasetReader(path, DatasetSourceKind.ParquetFile, [full]);
        }
        if (!Directory.Exists(full))
            throw new FileNotFoundException($"{path}: no such dataset file or folder (expected a .parquet file, a folder of Parquet shards, or a folder with {MetadataFileName})", full);

        var parquet = Directory.EnumerateFiles(full, "*.parquet", SearchOption.AllDirectories)
            .Where(f => !System.IO.Path.GetFileName(f).StartsWith('.'))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (parquet.Count > 0)
        {
            var chosen = split is null ? parquet : parquet.Where(f => InSplit(full, f, split)).ToList();
            if (chosen.Count == 0)
                throw new InvalidDataException($"{path}: no Parquet files for split '{split}' (looked for {split}-*.parquet, {split}.parquet or a {split}/ folder); found: {string.Join(", ", parquet.Select(f => System.IO.Path.GetRelativePath(full, f)))}");
            return new DatasetReader(path, DatasetSourceKind.ParquetShards, chosen);
        }

        var metadata = new[] { System.IO.Path.Combine(full, MetadataFileName), split is null ? null : System.IO.Path.Combine(full, split, MetadataFileName) }
            .FirstOrDefault(f => f is not null && File.Exists(f));
        if (metadata is not null)
            return new DatasetReader(path, DatasetSourceKind.ImageFolder, [metadata]);
        var csv = System.IO.Path.Combine(full, CaptionsCsvStream.FileName);
        if (File.Exists(csv))
            return new DatasetReader(path, DatasetSourceKind.CaptionsCsv, [csv]);
        var images = CaptionedImagesStream.ImageFiles(full);
        if (images.Count > 0)
            return new DatasetReader(path, DatasetSourceKind.CaptionedImages, images);
        throw new InvalidDataException($"{path}: found no *.parquet files, {MetadataFileName}, {CaptionsCsvStream.FileName} or images with same-name .txt captions; a custom dataset is a folder of images plus {MetadataFileName} (one JSON object per line with \"file_name\" and \"caption\"), {CaptionsCsvStream.FileName} (columns file_name, caption), same-name .txt captions, or Hugging Face Parquet");
    }

    /// <summary>Streams every record. Throws <see cref="InvalidDataException"/> for a dataset with no rows.</summary>
    public IEnumerable<DatasetRecord> Read(CancellationToken cancellationToken = default)
    {
        long count = 0;
        foreach (var file in Files)
        {
            var records = Kind switch
            {
                DatasetSourceKind.ImageFolder => ReadImageFolder(file),
                DatasetSourceKind.CaptionsCsv => CaptionsCsvStream.Read(file, KeepBrokenRows),
                DatasetSourceKind.CaptionedImages => [CaptionedImagesStream.ReadOne(file, KeepBrokenRows)],
                _ => ParquetRecordStream.Read(file, cancellationToken),
            };
            foreach (var record in records)
            {
                cancellationToken.ThrowIfCancellationRequested();
                count++;
                yield return record;
            }
        }
        if (count == 0)
            throw new InvalidDataException($"{Location}: the dataset is empty (0 rows in {string.Join(", ", Files)})");
    }

    /// <summary>Row count from Parquet footers or metadata.jsonl lines, without decoding anything.</summary>
    public long CountRows()
    {
        if (Kind == DatasetSourceKind.ImageFolder)
            return File.ReadLines(Files[0]).Count(l => !string.IsNullOrWhiteSpace(l));
        if (Kind == DatasetSourceKind.CaptionsCsv)
            return CaptionsCsvStream.CountRows(Files[0]);
        if (Kind == DatasetSourceKind.CaptionedImages)
            return Files.Count;
        long total = 0;
        foreach (var file in Files)
            total += ParquetRecordStream.CountRows(file);
        return total;
    }

    private static bool InSplit(string root, string file, string split)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(file);
        if (name.Equals(split, StringComparison.OrdinalIgnoreCase) || name.StartsWith(split + "-", StringComparison.OrdinalIgnoreCase))
            return true;
        var relativeDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetRelativePath(root, file)) ?? "";
        return relativeDir.Split(System.IO.Path.DirectorySeparatorChar).Contains(split, StringComparer.OrdinalIgnoreCase);
    }

    private IEnumerable<DatasetRecord> ReadImageFolder(string metadataPath)
    {
        var folder = System.IO.Path.GetDirectoryName(metadataPath)!;
        int lineNumber = 0;
        foreach (var line in File.ReadLines(metadataPath))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var where = $"{metadataPath} line {lineNumber}";
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(line);
                root = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                if (!KeepBrokenRows) throw new InvalidDataException($"{where}: not valid JSON ({e.Message})", e);
                root = default;
            }
            if (root.ValueKind != JsonValueKind.Object)
            {
                var problem = $"{where}: expected a JSON object with \"file_name\" and \"caption\"";
                if (!KeepBrokenRows) throw new InvalidDataException(problem);
                yield return BrokenRow(where, problem, "");
                continue;
            }
            var fileName = StringProperty(root, "file_name");
            if (fileName is null)
            {
                var problem = $"{where}: missing \"file_name\" (the image path relative to {folder})";
                if (!KeepBrokenRows) throw new InvalidDataException(problem);
                yield return BrokenRow(where, problem, "");
                continue;
            }
            var caption = StringProperty(root, DatasetColumns.Caption) ?? StringProperty(root, DatasetColumns.Text);
            if (caption is null && !KeepBrokenRows)
                throw new InvalidDataException($"{where}: missing \"caption\" (or \"text\") for {fileName}");
            var imagePath = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, fileName));
            if (!File.Exists(imagePath))
            {
                var problem = $"{where}: image file '{fileName}' not found in {folder}";
                if (!KeepBrokenRows) throw new InvalidDataException(problem);
                yield return BrokenRow($"{where} ({fileName})", problem, caption ?? "");
                continue;
            }
            // A missing caption is kept as empty so that curation reports it as such.
            caption ??= "";
            yield return new DatasetRecord
            {
                ImageBytes = File.ReadAllBytes(imagePath),
                ImagePath = fileName,
                Caption = caption,
                Task = StringProperty(root, DatasetColumns.Task),
                Source = $"{where} ({fileName})",
            };
        }
    }

    private static DatasetRecord BrokenRow(string where, string problem, string caption) =>
        new() { ImageBytes = [], Caption = caption, Source = where, Problem = problem };

    private static string? StringProperty(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
