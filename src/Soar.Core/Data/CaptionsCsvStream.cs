namespace Soar.Core.Data;

/// <summary>
/// A folder of images plus captions.csv: a header row naming a `file_name` (or `image`) column and a `caption`
/// (or `text`) column, then one row per image, paths relative to the CSV.
/// </summary>
internal static class CaptionsCsvStream
{
    public const string FileName = "captions.csv";

    private static readonly string[] FileColumns = ["file_name", "image", "file"];
    private static readonly string[] CaptionColumns = [DatasetColumns.Caption, DatasetColumns.Text];

    public static long CountRows(string csvPath) => Math.Max(0, CsvRows.Read(csvPath).LongCount() - 1);

    public static IEnumerable<DatasetRecord> Read(string csvPath, bool keepBrokenRows)
    {
        var folder = Path.GetDirectoryName(csvPath)!;
        int fileColumn = -1, captionColumn = -1, taskColumn = -1;
        bool header = true;
        foreach (var (line, fields) in CsvRows.Read(csvPath))
        {
            if (header)
            {
                var names = fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
                fileColumn = FileColumns.Select(n => names.IndexOf(n)).FirstOrDefault(i => i >= 0, -1);
                captionColumn = CaptionColumns.Select(n => names.IndexOf(n)).FirstOrDefault(i => i >= 0, -1);
                taskColumn = names.IndexOf(DatasetColumns.Task);
                if (fileColumn < 0 || captionColumn < 0)
                    throw new InvalidDataException($"{csvPath} line {line}: the header must name a file_name column and a caption (or text) column; found: {string.Join(", ", fields)}");
                header = false;
                continue;
            }
            var where = $"{csvPath} line {line}";
            string? fileName = fileColumn < fields.Count ? fields[fileColumn].Trim() : null;
            string? caption = captionColumn < fields.Count ? fields[captionColumn] : null;
            if (string.IsNullOrEmpty(fileName))
            {
                var problem = $"{where}: no file_name value";
                if (!keepBrokenRows) throw new InvalidDataException(problem);
                yield return new DatasetRecord { ImageBytes = [], Caption = caption ?? "", Source = where, Problem = problem };
                continue;
            }
            if (caption is null && !keepBrokenRows)
                throw new InvalidDataException($"{where}: no caption value for {fileName}");
            var imagePath = Path.GetFullPath(Path.Combine(folder, fileName));
            var source = $"{where} ({fileName})";
            if (!File.Exists(imagePath))
            {
                var problem = $"{where}: image file '{fileName}' not found in {folder}";
                if (!keepBrokenRows) throw new InvalidDataException(problem);
                yield return new DatasetRecord { ImageBytes = [], ImagePath = fileName, Caption = caption ?? "", Source = source, Problem = problem };
                continue;
            }
            yield return new DatasetRecord
            {
                ImageBytes = File.ReadAllBytes(imagePath),
                ImagePath = fileName,
                Caption = caption ?? "",
                Task = taskColumn >= 0 && taskColumn < fields.Count && fields[taskColumn].Length > 0 ? fields[taskColumn] : null,
                Source = source,
            };
        }
    }
}
