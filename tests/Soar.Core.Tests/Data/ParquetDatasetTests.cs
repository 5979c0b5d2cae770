using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Soar.Core.Data;
using Soar.Core.Imaging;
using Soar.Core.Tests.Imaging;

namespace Soar.Core.Tests.Data;

public sealed class ParquetDatasetTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static List<DatasetRecord> Rows(int n) => Enumerable.Range(0, n).Select(i => new DatasetRecord
    {
        ImageBytes = ImageCodec.EncodePng(TestImages.Noise(4, 3, seed: i)),
        ImagePath = $"{i:000000}.png",
        Caption = $"caption {i} é",
        Task = i % 3 == 0 ? null : "colors",
        Annotations = i % 2 == 0 ? null : $"{{\"i\": {i}}}",
        OriginalWidth = 100 + i,
        OriginalHeight = 200 + i,
    }).ToList();

    [Fact]
    public void RoundTripKeepsAllColumnsAcrossRowGroupsAndShards()
    {
        var rows = Rows(10);
        var files = new ParquetDatasetWriter { RowGroupSize = 3, MaxRowsPerShard = 4 }.WriteSplit(_dir.Path, "train", rows);

        Assert.Equal(["train-00000-of-00003.parquet", "train-00001-of-00003.parquet", "train-00002-of-00003.parquet"], files.Select(Path.GetFileName));
        Assert.Equal(files.Order(), Directory.GetFiles(_dir.File("data")).Order());
        var reader = DatasetReader.Open(_dir.Path, "train");
        Assert.Equal(10, reader.CountRows());
        var back = reader.Read().ToList();
        Assert.Equal(rows.Count, back.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].ImageBytes, back[i].ImageBytes);
            Assert.Equal(rows[i] with { Source = back[i].Source, ImageBytes = back[i].ImageBytes }, back[i]);
        }
        Assert.EndsWith("train-00002-of-00003.parquet row 1", back[9].Source);
    }

    [Fact]
    public async Task RowGroupsHaveTheConfiguredSize()
    {
        var path = _dir.File("one.parquet");
        new ParquetDatasetWriter { RowGroupSize = 4 }.WriteFile(path, Rows(10));
        await using var reader = await ParquetReader.CreateAsync(path);
        Assert.Equal([4L, 4L, 2L], reader.RowGroups.Select(g => g.RowCount));
    }

    [Fact]
    public async Task SchemaMetadataIsTheHuggingFaceFeaturesJson()
    {
        var path = _dir.File("one.parquet");
        new ParquetDatasetWriter().WriteFile(path, Rows(2));
        await using var reader = await ParquetReader.CreateAsync(path);
        var metadata = reader.CustomMetadata[HuggingFaceFeatures.MetadataKey];
        var image = (StructField)reader.Schema.Fields[0];

        Assert.Equal(
            "{\"info\": {\"features\": {\"image\": {\"_type\": \"Image\"}, \"caption\": {\"dtype\": \"string\", \"_type\": \"Value\"}, " +
            "\"task\": {\"dtype\": \"string\", \"_type\": \"Value\"}, \"annotations\": {\"dtype\": \"string\", \"_type\": \"Value\"}, " +
            "\"original_width\": {\"dtype\": \"int32\", \"_type\": \"Value\"}, \"original_height\": {\"dtype\": \"int32\", \"_type\": \"Value\"}}}}",
            metadata);
        var features = JsonDocument.Parse(metadata).RootElement.GetProperty("info").GetProperty("features");
        Assert.Equal("Image", features.GetProperty("image").GetProperty("_type").GetString());
        Assert.Equal("image", image.Name);
        Assert.Equal(["bytes", "path"], image.Fields.Select(f => f.Name));
        Assert.Equal(["image", "caption", "task", "annotations", "original_width", "original_height"], DatasetSchema.Schema.Fields.Select(f => f.Name));
    }

    [Fact]
    public void FileWithoutCaptionColumnIsAnErrorNamingFileAndColumn()
    {
        var path = _dir.File("nocaption.parquet");
        var schema = new ParquetSchema(new StructField("image", new DataField<byte[]>("bytes"), new DataField<string>("path")), new DataField<string>("label"));
        WriteRaw(path, schema, async (g, f) =>
        {
            await g.WriteAsync(f[0], new[] { new byte[] { 1 } });
            await g.WriteAsync(f[1], new[] { "a.png" });
            await g.WriteAsync(f[2], new[] { "cat" });
        });
        var e = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(path).Read().ToList());
        Assert.Contains(path, e.Message);
        Assert.Contains("missing column 'caption'", e.Message);
        Assert.Contains("label", e.Message);
    }

    [Fact]
    public void FileWithoutImageColumnIsAnErrorNamingFileAndColumn()
    {
        var path = _dir.File("noimage.parquet");
        WriteRaw(path, new ParquetSchema(new DataField<string>("caption")), async (g, f) => await g.WriteAsync(f[0], new[] { "x" }));
        var e = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(path).Read().ToList());
        Assert.Contains(path, e.Message);
        Assert.Contains("missing column 'image'", e.Message);
    }

    [Fact]
    public void TextColumnAndPlainBinaryImageAreAccepted()
    {
        var path = _dir.File("plain.parquet");
        var png = ImageCodec.EncodePng(new RgbImage(2, 2));
        WriteRaw(path, new ParquetSchema(new DataField<byte[]>("image"), new DataField<string>("text")), async (g, f) =>
        {
            await g.WriteAsync(f[0], new[] { png });
            await g.WriteAsync(f[1], new[] { "two by two" });
        });
        var row = Assert.Single(DatasetReader.Open(path).Read());
        Assert.Equal("two by two", row.Caption);
        Assert.Equal(2, row.DecodeImage().Width);
    }

    [Fact]
    public void EmptyDatasetIsAnError()
    {
        var path = _dir.File("empty.parquet");
        WriteRaw(path, DatasetSchema.Schema, null);
        var e = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(path).Read().ToList());
        Assert.Contains("empty", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void BadImageNamesFileAndRow()
    {
        var rows = Rows(5);
        rows[3] = rows[3] with { ImageBytes = "not a png"u8.ToArray() };
        var path = _dir.File("bad.parquet");
        new ParquetDatasetWriter { RowGroupSize = 2 }.WriteFile(path, rows);
        var back = DatasetReader.Open(path).Read().ToList();
        var e = Assert.Throws<InvalidDataException>(() => back[3].DecodeImage());
        Assert.Contains($"{path} row 3", e.Message);
        Assert.Contains("not an image", e.Message);
    }

    [Fact]
    public void NotAParquetFileIsAnErrorNamingIt()
    {
        var path = _dir.File("fake.parquet");
        File.WriteAllText(path, "definitely not parquet, just some text long enough");
        var e = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(path).Read().ToList());
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void SplitSelectsItsShardsAndAnUnknownSplitListsWhatExists()
    {
        var writer = new ParquetDatasetWriter();
        writer.WriteSplit(_dir.Path, "train", Rows(3));
        writer.WriteSplit(_dir.Path, "validation", Rows(2));
        Assert.Equal(2, DatasetReader.Open(_dir.Path, "validation").Read().Count());
        Assert.Equal(5, DatasetReader.Open(_dir.Path).Read().Count());
        var e = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(_dir.Path, "test"));
        Assert.Contains("train-00000-of-00001.parquet", e.Message);
    }

    [Fact]
    public void InterruptedSplitLeavesNoFiles()
    {
        var writer = new ParquetDatasetWriter { RowGroupSize = 2 };
        IEnumerable<DatasetRecord> Failing()
        {
            foreach (var r in Rows(5)) yield return r;
            throw new IOException("source vanished");
        }
        Assert.Throws<IOException>(() => writer.WriteSplit(_dir.Path, "train", Failing()));
        Assert.Empty(Directory.GetFiles(_dir.File("data")));
    }

    private static void WriteRaw(string path, ParquetSchema schema, Func<ParquetRowGroupWriter, DataField[], Task>? fill)
    {
        using var stream = File.Create(path);
        var writer = ParquetWriter.CreateAsync(schema, stream).GetAwaiter().GetResult();
        if (fill is not null)
        {
            using var group = writer.CreateRowGroup();
            fill(group, schema.GetDataFields()).GetAwaiter().GetResult();
        }
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
