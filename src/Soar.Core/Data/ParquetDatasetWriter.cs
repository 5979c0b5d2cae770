using Soar.Core.Imaging;

namespace Soar.Core.Data;

/// <summary>
/// Writes dataset rows as Hugging Face-layout Parquet shards `data/{split}-{i:00000}-of-{n:00000}.parquet`
/// (image struct&lt;bytes, path&gt;, caption, task, annotations, original size, and the "huggingface" schema metadata).
/// Every file is written under a temporary name and renamed into place when its split is complete.
/// </summary>
public sealed class ParquetDatasetWriter
{
    /// <summary>Rows per Parquet row group (the unit a streaming reader holds in memory).</summary>
    public int RowGroupSize { get; init; } = 256;
    /// <summary>Rows per shard file; a split with more rows is spread over several files.</summary>
    public int MaxRowsPerShard { get; init; } = 100_000;

    public static string ShardName(string split, int index, int count) => $"{split}-{index:00000}-of-{count:00000}.parquet";

    /// <summary>Starts a streaming writer for one split under <paramref name="datasetDir"/>/data.</summary>
    public ParquetSplitWriter OpenSplit(string datasetDir, string split)
    {
        if (RowGroupSize <= 0 || MaxRowsPerShard <= 0)
            throw new ArgumentOutOfRangeException(nameof(RowGroupSize), $"RowGroupSize ({RowGroupSize}) and MaxRowsPerShard ({MaxRowsPerShard}) must be positive");
        if (string.IsNullOrWhiteSpace(split) || split.IndexOfAny(['-', '/', '\\', '.']) >= 0)
            throw new ArgumentException($"split name '{split}' must be a plain word such as train or validation", nameof(split));
        var dataDir = Path.Combine(Path.GetFullPath(datasetDir), "data");
        Directory.CreateDirectory(dataDir);
        return new ParquetSplitWriter(dataDir, split, RowGroupSize, MaxRowsPerShard);
    }

    /// <summary>Writes one split and returns the final file paths (none for zero rows).</summary>
    public IReadOnlyList<string> WriteSplit(string datasetDir, string split, IEnumerable<DatasetRecord> rows, CancellationToken cancellationToken = default)
    {
        using var writer = OpenSplit(datasetDir, split);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            writer.Add(row);
        }
        return writer.Complete();
    }

    /// <summary>Writes rows to one Parquet file at <paramref name="path"/> (temp + rename), whatever <see cref="MaxRowsPerShard"/> says.</summary>
    public void WriteFile(string path, IEnumerable<DatasetRecord> rows, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        var scratch = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.parts");
        try
        {
            var single = new ParquetDatasetWriter { RowGroupSize = RowGroupSize, MaxRowsPerShard = int.MaxValue };
            var files = single.WriteSplit(scratch, "part", rows, cancellationToken);
            if (files.Count != 1) throw new ArgumentException($"{path}: no rows to write", nameof(rows));
            File.Move(files[0], full, overwrite: true);
        }
        finally
        {
            if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        }
    }
}
