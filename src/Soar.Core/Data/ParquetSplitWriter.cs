using Parquet;
using Soar.Core.Imaging;

namespace Soar.Core.Data;

/// <summary>
/// Streams the rows of one split into shard files: rows are buffered one row group at a time, shards roll over
/// at <see cref="ParquetDatasetWriter.MaxRowsPerShard"/>, and <see cref="Complete"/> renames the temporary
/// shards to `{split}-{i:00000}-of-{n:00000}.parquet` once n is known. Disposing without completing deletes them.
/// </summary>
public sealed class ParquetSplitWriter : IDisposable
{
    private readonly string _dataDir;
    private readonly string _split;
    private readonly int _rowGroupSize;
    private readonly int _maxRowsPerShard;
    private readonly List<string> _temps = new();
    private readonly List<DatasetRecord> _buffer = new();
    private FileStream? _stream;
    private ParquetWriter? _writer;
    private int _rowsInShard;
    private bool _completed;

    public long RowCount { get; private set; }

    internal ParquetSplitWriter(string dataDir, string split, int rowGroupSize, int maxRowsPerShard)
    {
        _dataDir = dataDir;
        _split = split;
        _rowGroupSize = rowGroupSize;
        _maxRowsPerShard = maxRowsPerShard;
    }

    public void Add(DatasetRecord record)
    {
        if (_completed) throw new InvalidOperationException($"split '{_split}' is already complete");
        _buffer.Add(record);
        RowCount++;
        if (_buffer.Count >= _rowGroupSize || _rowsInShard + _buffer.Count >= _maxRowsPerShard) Flush();
    }

    /// <summary>Writes what is buffered, closes the shards and renames them into place; returns the final paths (none for zero rows).</summary>
    public IReadOnlyList<string> Complete()
    {
        if (_completed) throw new InvalidOperationException($"split '{_split}' is already complete");
        Flush();
        CloseShard();
        _completed = true;
        var finals = new List<string>();
        for (int i = 0; i < _temps.Count; i++)
        {
            var final = Path.Combine(_dataDir, ParquetDatasetWriter.ShardName(_split, i, _temps.Count));
            File.Move(_temps[i], final, overwrite: true);
            finals.Add(final);
        }
        _temps.Clear();
        return finals;
    }

    public void Dispose()
    {
        CloseShard();
        foreach (var t in _temps.Where(File.Exists)) File.Delete(t);
        _temps.Clear();
    }

    private void Flush()
    {
        if (_buffer.Count == 0) return;
        if (_writer is null)
        {
            var temp = AtomicFile.TempPathFor(Path.Combine(_dataDir, $"{_split}.parquet"));
            _temps.Add(temp);
            _stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite);
            _writer = ParquetWriter.CreateAsync(DatasetSchema.Schema, _stream).GetAwaiter().GetResult();
            _writer.CustomMetadata = new Dictionary<string, string> { [HuggingFaceFeatures.MetadataKey] = HuggingFaceFeatures.DatasetMetadata };
        }
        WriteRowGroupAsync(_writer, _buffer).GetAwaiter().GetResult();
        _rowsInShard += _buffer.Count;
        _buffer.Clear();
        if (_rowsInShard >= _maxRowsPerShard) CloseShard();
    }

    private void CloseShard()
    {
        _writer?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _stream?.Dispose();
        _writer = null;
        _stream = null;
        _rowsInShard = 0;
    }

    private static async Task WriteRowGroupAsync(ParquetWriter writer, List<DatasetRecord> rows)
    {
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(DatasetSchema.ImageBytes, rows.Select(r => r.ImageBytes).ToArray());
        await group.WriteAsync(DatasetSchema.ImagePath, rows.Select(r => r.ImagePath).ToArray());
        await group.WriteAsync(DatasetSchema.Caption, rows.Select(r => r.Caption).ToArray());
        await group.WriteAsync(DatasetSchema.Task, rows.Select(r => r.Task).ToArray());
        await group.WriteAsync(DatasetSchema.Annotations, rows.Select(r => r.Annotations).ToArray());
        await group.WriteAsync(DatasetSchema.OriginalWidth, new ReadOnlyMemory<int?>(rows.Select(r => (int?)r.OriginalWidth).ToArray()));
        await group.WriteAsync(DatasetSchema.OriginalHeight, new ReadOnlyMemory<int?>(rows.Select(r => (int?)r.OriginalHeight).ToArray()));
        group.CompleteValidate();
    }
}
