using System.Text.Json;
using Soar.Core.Data;
using Soar.Core.Imaging;
using Soar.Core.Stages;
using Soar.Core.Stages.Curate;
using Soar.Core.Tests.Data;
using Soar.Core.Worlds;

namespace Soar.Core.Tests.Stages.Curate;

public sealed class CurateStageTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private StageResult Run(Dictionary<string, string> parameters, StringWriter? log = null)
    {
        var spec = new StageSpec
        {
            Name = "data",
            Kind = "curate",
            ProjectPath = _dir.File("p.soarproj"),
            OutputDir = _dir.File("out"),
            Parameters = new Dictionary<string, string>(parameters, StringComparer.OrdinalIgnoreCase),
        };
        return new CurateStage().Run(new StageContext(spec, new ConsoleStageLog("t", log)), CancellationToken.None);
    }

    [Fact]
    public void WorldSourceWritesSplitsManifestAndMetrics()
    {
        var log = new StringWriter();
        var result = Run(new() { ["Source"] = "shapes", ["Count"] = "200", ["Seed"] = "3", ["ValidationFraction"] = "0.2" }, log);

        var info = CuratedDatasetInfo.Load(_dir.File("out"));
        Assert.Equal("shapes", info.World);
        Assert.Equal(32, info.ImageSize);
        Assert.Equal(3, info.Seed);
        Assert.Equal(200, info.Rows["train"] + info.Rows["validation"]);
        Assert.InRange(info.Rows["validation"], 20, 60);
        Assert.Equal(["data/train-00000-of-00001.parquet"], info.Files["train"]);
        Assert.Equal(info.Rows["train"], result.Metrics["rows_train"]);
        Assert.Equal(info.Rows["validation"], result.Metrics["rows_validation"]);
        Assert.Equal(0, result.Metrics["rows_dropped"]);
        Assert.Contains("step 200/200", log.ToString());

        var train = DatasetReader.Open(_dir.File("out"), "train").Read().ToList();
        Assert.Equal(info.Rows["train"], train.Count);
        var first = train[0];
        Assert.StartsWith("a photo of", first.Caption);
        Assert.Contains(first.Task, TaskFamily.GenEval);
        var image = first.DecodeImage();
        Assert.Equal((32, 32), (image.Width, image.Height));
        Assert.Equal(first.Caption, WorldAnnotations.FromJson(first.Annotations!).Spec is var spec ? ShapesCaptions.For(spec) : null);
    }

    [Fact]
    public void RerunWithSameParametersGivesIdenticalFiles()
    {
        var p = new Dictionary<string, string> { ["Source"] = "glyphs", ["Count"] = "50", ["Seed"] = "1" };
        Run(p);
        var first = File.ReadAllBytes(_dir.File("out/data/train-00000-of-00001.parquet"));
        Run(p);
        Assert.Equal(first, File.ReadAllBytes(_dir.File("out/data/train-00000-of-00001.parquet")));
    }

    [Fact]
    public void SplitDependsOnSeedButNotOnRowOrder()
    {
        var bytes = Enumerable.Range(0, 400).Select(i => BitConverter.GetBytes(i)).ToList();
        var a = new ContentSplit(1, 0.25);
        var picked = bytes.Where(a.IsValidation).Count();
        Assert.InRange(picked, 60, 140);
        Assert.Equal(bytes.Select(a.IsValidation), bytes.Select(new ContentSplit(1, 0.25).IsValidation));
        Assert.NotEqual(bytes.Select(a.IsValidation), bytes.Select(new ContentSplit(2, 0.25).IsValidation));
        Assert.DoesNotContain(bytes, new ContentSplit(1, 0).IsValidation);
    }

    [Fact]
    public void FolderSourceIsResizedAndUndecodableRowsAreDropped()
    {
        var src = Directory.CreateDirectory(_dir.File("photos")).FullName;
        var lines = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            var img = new RgbImage(40 + i, 24);
            img[i, 3] = (200, 10, 10);
            File.WriteAllBytes(Path.Combine(src, $"{i}.png"), ImageCodec.EncodePng(img));
            lines.Add(JsonSerializer.Serialize(new { file_name = $"{i}.png", caption = $"photo {i}" }));
        }
        File.WriteAllText(Path.Combine(src, "bad.png"), "this is not an image");
        lines.Add(JsonSerializer.Serialize(new { file_name = "bad.png", text = "broken" }));
        File.WriteAllLines(Path.Combine(src, "metadata.jsonl"), lines);
        var log = new StringWriter();

        var result = Run(new() { ["Source"] = "photos", ["ImageSize"] = "16", ["ValidationFraction"] = "0" }, log);

        Assert.Equal(6, result.Metrics["rows_train"]);
        Assert.Equal(1, result.Metrics["rows_dropped"]);
        Assert.Contains("warning SOAR2101", log.ToString());
        Assert.Contains("bad.png", log.ToString());
        var info = CuratedDatasetInfo.Load(_dir.File("out"));
        Assert.Equal("custom", info.World);
        Assert.Empty(info.Files["validation"]);
        var rows = DatasetReader.Open(_dir.File("out"), "train").Read().ToList();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"photo {i}"), rows.Select(r => r.Caption));
        Assert.All(rows, r => Assert.Equal((16, 16), (r.DecodeImage().Width, r.DecodeImage().Height)));
        Assert.Equal(45, rows[5].OriginalWidth);
        Assert.Equal(24, rows[5].OriginalHeight);
    }

    [Fact]
    public void MissingSourceIsACodedError()
    {
        var e = Assert.Throws<StageException>(() => Run(new() { ["Source"] = "nowhere/at/all" }));
        Assert.Equal("SOAR2001", e.Code);
        Assert.Contains("nowhere/at/all", e.Message);
    }

    [Fact]
    public void SourceWithOnlyBadImagesIsACodedError()
    {
        var src = Directory.CreateDirectory(_dir.File("junk")).FullName;
        File.WriteAllText(Path.Combine(src, "a.png"), "garbage");
        File.WriteAllText(Path.Combine(src, "metadata.jsonl"), "{\"file_name\": \"a.png\", \"caption\": \"x\"}\n");
        var e = Assert.Throws<StageException>(() => Run(new() { ["Source"] = "junk" }));
        Assert.Equal("SOAR2002", e.Code);
    }

    [Fact]
    public void EmptySourceIsACodedError()
    {
        var src = Directory.CreateDirectory(_dir.File("empty")).FullName;
        File.WriteAllText(Path.Combine(src, "metadata.jsonl"), "\n");
        var e = Assert.Throws<StageException>(() => Run(new() { ["Source"] = "empty" }));
        Assert.Equal("SOAR2002", e.Code);
    }

    [Fact]
    public void WorldTooSmallForImageSizeIsACodedError()
    {
        var e = Assert.Throws<StageException>(() => Run(new() { ["Source"] = "glyphs", ["ImageSize"] = "16", ["Count"] = "3" }));
        Assert.Equal("SOAR2003", e.Code);
        Assert.Contains("ImageSize >= 25", e.Message);
    }

    [Fact]
    public void CancelledRunLeavesNoShards()
    {
        var spec = new StageSpec { Name = "data", Kind = "curate", OutputDir = _dir.File("out") };
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new CurateStage().Run(new StageContext(spec, new ConsoleStageLog("t", new StringWriter())), cts.Token));
        Assert.Empty(Directory.GetFiles(_dir.File("out"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void ManyUndecodableRowsAreCountedButListedOnlyUpToTheCap()
    {
        var src = Directory.CreateDirectory(_dir.File("many")).FullName;
        File.WriteAllBytes(Path.Combine(src, "ok.png"), ImageCodec.EncodePng(new RgbImage(8, 8)));
        File.WriteAllText(Path.Combine(src, "bad.png"), "nope");
        var lines = Enumerable.Range(0, 30).Select(i => "{\"file_name\": \"bad.png\", \"caption\": \"b\"}").Append("{\"file_name\": \"ok.png\", \"caption\": \"fine\"}");
        File.WriteAllLines(Path.Combine(src, "metadata.jsonl"), lines);
        var log = new StringWriter();
        var result = Run(new() { ["Source"] = "many", ["ValidationFraction"] = "0" }, log);
        Assert.Equal(30, result.Metrics["rows_dropped"]);
        Assert.Equal(1, result.Metrics["rows_train"]);
        Assert.Equal(CurateStage.MaxListedDrops, log.ToString().Split('\n').Count(l => l.Contains("SOAR2101")));
    }
}
