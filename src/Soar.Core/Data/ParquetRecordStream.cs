using Parquet;
using Parquet.Schema;

namespace Soar.Core.Data;

/// <summary>Reads one Hugging Face-layout Parquet file row group by row group.</summary>
internal static class ParquetRecordStream
{
    public static long CountRows(string file)
    {
        var reader = OpenAsync(file, CancellationToken.None).GetAwaiter().GetResult();
        try { return reader.RowGroups.Sum(g => g.RowCount); }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    public static IEnumerable<DatasetRecord> Read(string file, SourceFiles files, CancellationToken cancellationToken)
    {
        // Parquet.Net readers are only async-disposable; an iterator cannot `await using`.
        var reader = OpenAsync(file, cancellationToken).GetAwaiter().GetResult();
        try
        {
            var columns = ParquetDatasetColumns.Find(reader.Schema, file);
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rows = ReadRowGroupAsync(reader, g, columns, file, files, cancellationToken).GetAwaiter().GetResult();
                foreach (var row in rows) yield return row;
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static async Task<ParquetReader> OpenAsync(string file, CancellationToken cancellationToken)
    {
        try
        {
            return await ParquetReader.CreateAsync(file, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or ParquetException or InvalidOperationException or ArgumentException && e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{file}: not a readable Parquet file ({e.Message})", e);
        }
    }

    private static async Task<List<DatasetRecord>> ReadRowGroupAsync(ParquetReader reader, int index, ParquetDatasetColumns c, string file, SourceFiles files, CancellationToken ct)
    {
        var group = reader.OpenRowGroupReader(index);
        int n = checked((int)group.RowCount);
        var bytes = new byte[]?[n];
        await group.ReadAsync(c.ImageBytes, bytes.AsMemory(), null, ct);
        var paths = c.ImagePath is null ? new string?[n] : await Strings(group, c.ImagePath, n, ct);
        var captions = await Strings(group, c.Caption, n, ct);
        var tasks = c.Task is null ? new string?[n] : await Strings(group, c.Task, n, ct);
        var annotations = c.Annotations is null ? new string?[n] : await Strings(group, c.Annotations, n, ct);
        var widths = c.OriginalWidth is null ? new int?[n] : await Ints(group, c.OriginalWidth, n, ct);
        var heights = c.OriginalHeight is null ? new int?[n] : await Ints(group, c.OriginalHeight, n, ct);

        long firstRow = reader.RowGroups.Take(index).Sum(g => g.RowCount);
        var rows = new List<DatasetRecord>(n);
        for (int i = 0; i < n; i++)
        {
            var where = $"{files.Name(file)} row {firstRow + i}";
            var caption = captions[i] ?? throw new InvalidDataException($"{where}: caption is null");
            var (imageBytes, kind, problem) = bytes[i] is { } b ? (b, RecordProblem.Unreadable, null) : ReadReferencedImage(file, paths[i], where, files);
            if (problem is null && imageBytes!.Length > files.Options.MaxFileBytes)
                (kind, problem) = (RecordProblem.OverByteLimit, $"{where}: the image is {imageBytes.Length} bytes, over MaxFileBytes={files.Options.MaxFileBytes}; shrink it or raise MaxFileBytes");
            if (problem is null && caption.Length > files.Options.MaxCaptionChars)
                (kind, problem) = (RecordProblem.CaptionTooLong, $"{where}: the caption has {caption.Length} characters, over the limit {files.Options.MaxCaptionChars}; shorten it");
            if (problem is not null && !files.Options.KeepBrokenRows) throw new InvalidDataException(problem);
            rows.Add(new DatasetRecord
            {
                ImageBytes = problem is null ? imageBytes! : [],
                ImagePath = paths[i],
                Caption = problem is null ? caption : "",
                Task = tasks[i],
                Annotations = annotations[i],
                OriginalWidth = widths[i] ?? 0,
                OriginalHeight = heights[i] ?? 0,
                Source = where,
                Problem = problem,
                ProblemKind = kind,
            });
        }
        return rows;
    }

    // Hugging Face allows image = {bytes: null, path: "x.png"}: the path is then relative to the Parquet file.
    private static (byte[]? Bytes, RecordProblem Kind, string? Problem) ReadReferencedImage(string file, string? path, string where, SourceFiles files)
    {
        if (path is null) return (null, RecordProblem.Unreadable, $"{where}: image has neither bytes nor path");
        var (bytes, kind, problem) = files.ReadBytes(Path.GetDirectoryName(file)!, path, where);
        return bytes is null && kind == RecordProblem.Unreadable
            ? (null, kind, $"{where}: image bytes are null and the image path '{path}' does not exist next to the file")
            : (bytes, kind, problem);
    }

    private static async Task<string?[]> Strings(ParquetRowGroupReader group, DataField field, int n, CancellationToken ct)
    {
        var values = new string?[n];
        await group.ReadAsync(field, values.AsMemory(), null, ct);
        return values;
    }

    private static async Task<int?[]> Ints(ParquetRowGroupReader group, DataField field, int n, CancellationToken ct)
    {
        var result = new int?[n];
        if (field.ClrType == typeof(int))
        {
            if (field.IsNullable) await group.ReadAsync<int>(field, result.AsMemory(), null, ct);
            else
            {
                var v = new int[n];
                await group.ReadAsync(field, v.AsMemory(), null, ct);
                for (int i = 0; i < n; i++) result[i] = v[i];
            }
        }
        else
        {
            var v = new long?[n];
            if (field.IsNullable) await group.ReadAsync<long>(field, v.AsMemory(), null, ct);
            else
            {
                var raw = new long[n];
                await group.ReadAsync(field, raw.AsMemory(), null, ct);
                for (int i = 0; i < n; i++) v[i] = raw[i];
            }
            for (int i = 0; i < n; i++) result[i] = v[i] is { } l ? checked((int)l) : null;
        }
        return result;
    }
}
