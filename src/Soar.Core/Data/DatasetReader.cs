using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace Soar.Core.Data;

/// <summary>
/// Streams <see cref="DatasetRecord"/>s from a Parquet file, a folder of Parquet shards (optionally one split),
/// a Hugging Face imagefolder (images + metadata.jsonl with file_name and caption/text), a folder of images plus
/// captions.csv, or image files with same-name .txt captions. Parquet is read one row group at a time.
/// Errors name the file, row or line and the missing column. User files are read under <see cref="DatasetReadOptions"/>:
/// only regular files, a byte cap, strict UTF-8, bounded captions, nothing outside the dataset folder unless allowed
/// (formats and rules: docs/datasets.md).
/// </summary>
public sealed class DatasetReader
{
    public const string MetadataFileName = "metadata.jsonl";

    /// <summary>The path given to <see cref="Open"/>.</summary>
    public string Location { get; }
    public DatasetSourceKind Kind { get; }
    /// <summary>Parquet files in read order, the metadata.jsonl of an imagefolder, captions.csv, or the image files.</summary>
    public IReadOnlyList<string> Files { get; }
    public DatasetReadOptions Options => _files.Options;
    /// <summary>Real paths of the files read so far from outside the dataset folder (only with AllowOutsideFiles).</summary>
    public IReadOnlyCollection<string> OutsideFiles => _files.OutsideFiles;

    private readonly SourceFiles _files;

    private DatasetReader(string location, DatasetSourceKind kind, IReadOnlyList<string> files, SourceFiles sourceFiles)
    {
        Location = location;
        Kind = kind;
        Files = files;
        _files = sourceFiles;
    }

    /// <summary>
    /// Opens a dataset. <paramref name="split"/> (e.g. "train") selects shards named `{split}-*.parquet`,
    /// `{split}.parquet` or files under a `{split}` folder; null reads every Parquet file found.
    /// </summary>
    public static DatasetReader Open(string path, string? split = null, DatasetReadOptions? options = null)
    {
        options ??= DatasetReadOptions.Default;
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
        {
            var files = new SourceFiles(System.IO.Path.GetDirectoryName(full)!, options);
            if (FileKind.NotRegular(full) is { } kind)
                throw new InvalidDataException($"{files.Name(full)}: is {kind}, not a regular file; point Source at a dataset file or folder");
            if (System.IO.Path.GetFileName(full).Equals(MetadataFileName, StringComparison.OrdinalIgnoreCase))
                return new DatasetReader(path, DatasetSourceKind.ImageFolder, [full], files);
            return new DatasetReader(path, DatasetSourceKind.ParquetFile, [full], files);
        }
        if (!Directory.Exists(full))
            throw new FileNotFoundException($"{path}: no such dataset file or folder (expected a .parquet file, a folder of Parquet shards, or a folder with {MetadataFileName}; see docs/datasets.md)", full);
        var source = new SourceFiles(full, options);

        var parquet = Directory.EnumerateFiles(full, "*.parquet", SearchOption.AllDirectories)
            .Where(f => !System.IO.Path.GetFileName(f).StartsWith('.'))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (parquet.Count > 0)
        {
            var chosen = split is null ? parquet : parquet.Where(f => InSplit(full, f, split)).ToList();
            if (chosen.Count == 0)
                throw new InvalidDataException($"{path}: no Parquet files for split '{split}' (looked for {split}-*.parquet, {split}.parquet or a {split}/ folder); found: {string.Join(", ", parquet.Select(f => System.IO.Path.GetRelativePath(full, f)))}");
            foreach (var f in chosen)
                if (FileKind.NotRegular(f) is { } kind)
                    throw new InvalidDataException($"{source.Name(f)}: is {kind}, not a regular file; remove it from the dataset folder");
            return new DatasetReader(path, DatasetSourceKind.ParquetShards, chosen, source);
        }

        var metadata = new[] { System.IO.Path.Combine(full, MetadataFileName), split is null ? null : System.IO.Path.Combine(full, split, MetadataFileName) }
            .FirstOrDefault(f => f is not null && File.Exists(f));
        if (metadata is not null)
            return new DatasetReader(path, DatasetSourceKind.ImageFolder, [metadata], source);
        var csv = System.IO.Path.Combine(full, CaptionsCsvStream.FileName);
        if (File.Exists(csv))
            return new DatasetReader(path, DatasetSourceKind.CaptionsCsv, [csv], source);
        var images = CaptionedImagesStream.ImageFiles(full);
        if (images.Count > 0)
            return new DatasetReader(path, DatasetSourceKind.CaptionedImages, images, source);
        throw new InvalidDataException($"{path}: found no *.parquet files, {MetadataFileName}, {CaptionsCsvStream.FileName} or images with same-name .txt captions; a custom dataset is a folder of images plus {MetadataFileName} (one JSON object per line with \"file_name\" and \"caption\"), {CaptionsCsvStream.FileName} (columns file_name, caption), same-name .txt captions, or Hugging Face Parquet (see docs/datasets.md)");
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
                DatasetSourceKind.CaptionsCsv => CaptionsCsvStream.Read(file, _files),
                DatasetSourceKind.CaptionedImages => [CaptionedImagesStream.ReadOne(file, _files)],
                _ => ParquetRecordStream.Read(file, _files, cancellationToken),
            };
            foreach (var record in records)
            {
                cancellationToken.ThrowIfCancellationRequested();
                count++;
                yield return record;
            }
        }
        if (count == 0)
            throw new InvalidDataException($"{Location}: the dataset is empty (0 rows in {string.Join(", ", Files.Select(_files.Name))})");
    }

    /// <summary>Row count from Parquet footers or metadata.jsonl lines, without decoding anything.</summary>
    public long CountRows()
    {
        if (Kind == DatasetSourceKind.ImageFolder)
            return Utf8Lines.Read(Files[0], _files.Name(Files[0])).Count(l => !string.IsNullOrWhiteSpace(l.Text));
        if (Kind == DatasetSourceKind.CaptionsCsv)
            return CaptionsCsvStream.CountRows(Files[0], _files);
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
        var name = _files.Name(metadataPath);
        bool keepBrokenRows = Options.KeepBrokenRows;
        foreach (var (lineNumber, line) in Utf8Lines.Read(metadataPath, name))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var where = $"{name} line {lineNumber}";
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(line);
                root = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                if (!keepBrokenRows) throw new InvalidDataException($"{where}: not valid JSON ({e.Message})", e);
                root = default;
            }
            if (root.ValueKind != JsonValueKind.Object)
            {
                var problem = $"{where}: expected a JSON object with \"file_name\" and \"caption\"";
                if (!keepBrokenRows) throw new InvalidDataException(problem);
                yield return BrokenRow(where, problem, RecordProblem.Unreadable);
                continue;
            }
            var fileName = StringProperty(root, "file_name");
            if (fileName is null)
            {
                var problem = $"{where}: missing \"file_name\" (the image path relative to {_files.Name(folder)})";
                if (!keepBrokenRows) throw new InvalidDataException(problem);
                yield return BrokenRow(where, problem, RecordProblem.Unreadable);
                continue;
            }
            var source = $"{where} ({fileName})";
            var caption = StringProperty(root, DatasetColumns.Caption) ?? StringProperty(root, DatasetColumns.Text);
            if (caption is null && !keepBrokenRows)
                throw new InvalidDataException($"{where}: missing \"caption\" (or \"text\") for {fileName}");
            if (caption is not null && caption.Length > Options.MaxCaptionChars)
            {
                var problem = $"{source}: the caption has {caption.Length} characters, over the limit {Options.MaxCaptionChars}; shorten it";
                if (!keepBrokenRows) throw new InvalidDataException(problem);
                yield return BrokenRow(source, problem, RecordProblem.CaptionTooLong);
                continue;
            }
            var (bytes, kind, readProblem) = _files.ReadBytes(folder, fileName, where);
            if (bytes is null)
            {
                if (!keepBrokenRows) throw new InvalidDataException(readProblem);
                yield return BrokenRow(source, readProblem!, kind, caption ?? "");
                continue;
            }
            // A missing caption is kept as empty so that curation reports it as such.
            yield return new DatasetRecord
            {
                ImageBytes = bytes,
                ImagePath = fileName,
                Caption = caption ?? "",
                Task = StringProperty(root, DatasetColumns.Task),
                Source = source,
            };
        }
    }

    private static DatasetRecord BrokenRow(string where, string problem, RecordProblem kind, string caption = "") =>
        new() { ImageBytes = [], Caption = caption, Source = where, Problem = problem, ProblemKind = kind };

    private static string? StringProperty(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
