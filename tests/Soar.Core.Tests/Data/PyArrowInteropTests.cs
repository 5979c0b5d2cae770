using System.Text.Json;
using Soar.Core.Data;

namespace Soar.Core.Tests.Data;

/// <summary>Reads the files this project writes with pyarrow, the reader Hugging Face datasets itself uses.</summary>
public sealed class PyArrowInteropTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private const string Script = """
import json, sys
import pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
rows = t.to_pylist()
print(json.dumps({
    "types": {f.name: str(f.type) for f in t.schema},
    "huggingface": t.schema.metadata[b"huggingface"].decode(),
    "captions": [r["caption"] for r in rows],
    "tasks": [r["task"] for r in rows],
    "annotations": [r["annotations"] for r in rows],
    "paths": [r["image"]["path"] for r in rows],
    "image_sizes": [len(r["image"]["bytes"]) for r in rows],
    "widths": [r["original_width"] for r in rows],
    "row_groups": pq.ParquetFile(sys.argv[1]).metadata.num_row_groups,
}))
""";

    [PyArrowFact]
    public void PyArrowReadsSchemaMetadataAndValues()
    {
        var rows = ParquetDatasetTests.Rows(7);
        var path = _dir.File("x.parquet");
        new ParquetDatasetWriter { RowGroupSize = 3 }.WriteFile(path, rows);

        var (code, output, error) = PyArrow.Run(Script, [path]);
        Assert.True(code == 0, error);
        var doc = JsonDocument.Parse(output).RootElement;

        var types = doc.GetProperty("types");
        Assert.Equal("struct<bytes: binary, path: string>", types.GetProperty("image").GetString());
        Assert.Equal("string", types.GetProperty("caption").GetString());
        Assert.Equal("string", types.GetProperty("annotations").GetString());
        Assert.Equal("int32", types.GetProperty("original_width").GetString());
        Assert.Equal(HuggingFaceFeatures.DatasetMetadata, doc.GetProperty("huggingface").GetString());
        Assert.Equal(rows.Select(r => r.Caption), doc.GetProperty("captions").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(rows.Select(r => r.Task), doc.GetProperty("tasks").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? null : e.GetString()));
        Assert.Equal(rows.Select(r => r.Annotations), doc.GetProperty("annotations").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? null : e.GetString()));
        Assert.Equal(rows.Select(r => r.ImagePath), doc.GetProperty("paths").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(rows.Select(r => r.ImageBytes.Length), doc.GetProperty("image_sizes").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(rows.Select(r => r.OriginalWidth), doc.GetProperty("widths").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(3, doc.GetProperty("row_groups").GetInt32());
    }
}
