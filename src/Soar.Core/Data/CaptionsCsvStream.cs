namespace Soar.Core.Data;

/// <summary>
/// A folder of images plus captions.csv: a header row naming a `file_name` (or `image`) column and a `caption`
/// (or `text`) column, then one row per image, paths relative to the CSV (see docs/datasets.md).
/// </summary>
internal static class CaptionsCsvStream
{
    public const string FileName = "captions.csv";

    private static readonly string[] FileColumns = ["file_name", "image", "file"];
    private static readonly string[] CaptionColumns = [DatasetColumns.Caption, DatasetColumns.Text];

    public static long CountRows(string csvPath, SourceFiles files) =>
        Math.Max(0, CsvRows.Read(csvPath, files.Name(csvPath), files.Options.MaxCaptionChars).LongCount() - 1);

    public static IEnumerable<DatasetRecord> Read(string csvPath, SourceFiles files)
    {
        var folder = Path.GetDirectoryName(csvPath)!;
        var name = files.Name(csvPath);
        bool keepBrokenRows = files.Options.KeepBrokenRows;
        int fileColumn = -1, captionColumn = -1, taskColumn = -1;
        bool header = true;
        foreach (var (line, fields, overlong) in CsvRows.Read(csvPath, name, files.Options.MaxCaptionChars))
        {
            if (header)
            {
                var names = fields.Select(f => f.Trim().ToLowerInvariant()).ToList();
                fileColumn = FileColumns.Select(n => names.IndexOf(n)).FirstOrDefault(i => i >= 0, -1);
                captionColumn = CaptionColumns.Select(n => names.IndexOf(n)).FirstOrDefault(i => i >= 0, -1);
                taskColumn = names.IndexOf(DatasetColumns.Task);
                if (fileColumn < 0 || captionColumn < 0)
                    throw new InvalidDataException($"{name} line {line}: the header must name a file_name column and a caption (or text) column; found: {string.Join(", ", fields)} (see docs/datasets.md)");
                header = false;
                continue;
            }
            var where = $"{name} line {line}";
            string? fileName = fileColumn < fields.Count ? fields[fileColumn].Trim() : null;
            string? caption = captionColumn < fields.Count ? fields[captionColumn] : null;
            if (string.IsNullOrEmpty(fileName) || overlong.Contains(fileColumn))
            {
                var problem = string.IsNullOrEmpty(fileName) ? $"{where}: no file_name value" : $"{where}: the file_name value is over {files.Options.MaxCaptionChars} characters";
                if (!keepBrokenRows) throw new InvalidDataException(problem);
                yield return new DatasetRecord { ImageBytes = [], Caption = "", Source = where, Problem = problem };
                continue;
            }
            var source = $"{where} ({fileName})";
            if (overlong.Contains(captionColumn))
            {
                var problem = $"{source}: the caption is over {files.Options.MaxCaptionChars} characters; shorten it";
                if (!keepBrokenRows) throw new InvalidDataException(problem);
                yield return new DatasetRecord { ImageBytes = [], ImagePath = fileName, Caption = "", Source = source, Problem = problem, ProblemKind = RecordProblem.CaptionTooLong };
                continue;
            }
            if (caption is null && !keepBrokenRows)
                throw new InvalidDataException($"{where}: no caption value for {fileName}");
            var (bytes, kind, readProblem) = files.ReadBytes(folder, fileName, where);
            if (bytes is null)
            {
                if (!keepBrokenRows) throw new InvalidDataException(readProblem);
                yield return new DatasetRecord { ImageBytes = [], ImagePath = fileName, Caption = caption ?? "", Source = source, Problem = readProblem, ProblemKind = kind };
                continue;
            }
            yield return new DatasetRecord
            {
                ImageBytes = bytes,
                ImagePath = fileName,
                Caption = caption ?? "",
                Task = taskColumn >= 0 && taskColumn < fields.Count && fields[taskColumn].Length > 0 ? fields[taskColumn] : null,
                Source = source,
            };
        }
    }
}
