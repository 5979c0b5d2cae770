using Soar.Core.Curation;
using Soar.Core.Data;
using Soar.Core.Imaging;
using Soar.Core.Stages;
using Soar.Core.Stages.Curate;
using Soar.Core.Tests.Data;
using Soar.Core.Worlds;

namespace Soar.Core.Tests.Stages.Curate;

public sealed class CurationStageTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private StageResult Run(Dictionary<string, string> parameters, StringWriter? log = null, string output = "out")
    {
        var spec = new StageSpec
        {
            Name = "data",
            Kind = "curate",
            ProjectPath = _dir.File("p.soarproj"),
            OutputDir = _dir.File(output),
            Parameters = new Dictionary<string, string>(parameters, StringComparer.OrdinalIgnoreCase),
        };
        return new CurateStage().Run(new StageContext(spec, new ConsoleStageLog("t", log ?? new StringWriter())), CancellationToken.None);
    }

    private static RgbImage Noise(int width, int height, int seed)
    {
        var random = new Random(seed);
        var image = new RgbImage(width, height);
        random.NextBytes(image.Pixels);
        return image;
    }

    private string Folder(string name) => Directory.CreateDirectory(_dir.File(name)).FullName;

    private static void Captioned(string folder, string name, RgbImage image, string caption)
    {
        File.WriteAllBytes(Path.Combine(folder, name + ".png"), ImageCodec.EncodePng(image));
        File.WriteAllText(Path.Combine(folder, name + ".txt"), caption);
    }

    private List<DatasetRecord> ReadBack(string split = "train", string output = "out") => DatasetReader.Open(_dir.File(output), split).Read().ToList();

    [Fact]
    public void OneGoodAndAThousandBrokenFilesCurateToOneRowWithAThousandReasons()
    {
        var src = Folder("mixed");
        Captioned(src, "good", Noise(20, 20, 1), "a good picture");
        for (int i = 0; i < 1000; i++)
        {
            File.WriteAllText(Path.Combine(src, $"bad{i:0000}.png"), $"broken {i}");
            File.WriteAllText(Path.Combine(src, $"bad{i:0000}.txt"), "a broken picture");
        }
        var log = new StringWriter();

        var result = Run(new() { ["Source"] = "mixed", ["ValidationFraction"] = "0" }, log);

        Assert.Equal(1, result.Metrics["rows_train"]);
        Assert.Equal(1000, result.Metrics["rows_dropped"]);
        var report = CurationReport.Load(_dir.File("out/" + CurationReport.FileName));
        Assert.Equal(1001, report.RowsRead);
        Assert.Equal(1, report.Kept);
        Assert.Equal(1000, report.Dropped[DropReason.Unreadable]);
        Assert.Equal(1000, report.Drops.Count);
        Assert.All(report.Drops, d => Assert.Contains("bad", d.Source));
        Assert.Contains("kept 1 of 1001 rows, dropped 1000 (unreadable 1000)", log.ToString());
        Assert.Equal(CurateStage.MaxListedDrops, log.ToString().Split('\n').Count(l => l.Contains("SOAR2101")));
        Assert.Equal("a good picture", Assert.Single(ReadBack()).Caption);
    }

    [Fact]
    public void EveryValidationReasonIsCountedInTheReport()
    {
        var src = Folder("reasons");
        Captioned(src, "a_ok", Noise(12, 12, 1), "fine");
        Captioned(src, "b_big", Noise(40, 40, 2), "too many pixels");
        Captioned(src, "c_empty", Noise(12, 12, 3), "   ");
        File.WriteAllBytes(Path.Combine(src, "d_nocaption.png"), ImageCodec.EncodePng(Noise(12, 12, 4)));
        Captioned(src, "e_long", Noise(12, 12, 5), string.Join(" ", Enumerable.Repeat("word", 24)));
        File.WriteAllText(Path.Combine(src, "f_corrupt.png"), "garbage");
        File.WriteAllText(Path.Combine(src, "f_corrupt.txt"), "corrupt");

        var result = Run(new() { ["Source"] = "reasons", ["ValidationFraction"] = "0", ["MaxImagePixels"] = "1000" });

        Assert.Equal(1, result.Metrics["rows_train"]);
        var info = CuratedDatasetInfo.Load(_dir.File("out"));
        Assert.Equal(new Dictionary<string, long>
        {
            [DropReason.CaptionTooLong] = 1, [DropReason.MissingCaption] = 2, [DropReason.OverPixelLimit] = 1, [DropReason.Unreadable] = 1,
        }, info.DroppedByReason);
        Assert.Equal(1, result.Metrics["dropped_over_pixel_limit"]);
    }

    [Fact]
    public void FailOnInvalidStopsAndLeavesThePreviousDatasetInPlace()
    {
        Run(new() { ["Source"] = "shapes", ["Count"] = "20" });
        var before = Directory.GetFiles(_dir.File("out"), "*", SearchOption.AllDirectories).Order().ToArray();
        var manifest = File.ReadAllText(_dir.File("out/dataset.json"));
        var src = Folder("bad");
        Captioned(src, "a", Noise(12, 12, 1), "fine");
        File.WriteAllText(Path.Combine(src, "b.png"), "garbage");
        File.WriteAllText(Path.Combine(src, "b.txt"), "broken");

        var e = Assert.Throws<StageException>(() => Run(new() { ["Source"] = "bad", ["FailOnInvalid"] = "true" }));

        Assert.Equal("SOAR2004", e.Code);
        Assert.Contains("b.png", e.Message);
        Assert.Equal(before, Directory.GetFiles(_dir.File("out"), "*", SearchOption.AllDirectories).Order().ToArray());
        Assert.Equal(manifest, File.ReadAllText(_dir.File("out/dataset.json")));
    }

    [Fact]
    public void ExactAndNearDuplicatesKeepTheFirstAndAreGrouped()
    {
        var src = Folder("dups");
        var original = Noise(24, 24, 1);
        var touched = new RgbImage(24, 24, (byte[])original.Pixels.Clone());
        touched[3, 3] = (255, 255, 255);
        Captioned(src, "a", original, "first");
        Captioned(src, "b", original, "exact copy");
        Captioned(src, "c", touched, "near copy");
        Captioned(src, "d", Noise(24, 24, 2), "different");

        var exact = Run(new() { ["Source"] = "dups", ["ValidationFraction"] = "0", ["Deduplicate"] = "exact", ["ImageSize"] = "24" }, output: "exact");
        Run(new() { ["Source"] = "dups", ["ValidationFraction"] = "0", ["Deduplicate"] = "near", ["ImageSize"] = "24" }, output: "near");

        Assert.Equal(3, exact.Metrics["rows_train"]);
        Assert.Equal(["first", "different"], ReadBack(output: "near").Select(r => r.Caption));
        var report = CurationReport.Load(_dir.File("near/" + CurationReport.FileName));
        var group = Assert.Single(report.DuplicateGroups);
        Assert.EndsWith("a.png", group.Kept);
        Assert.Equal(2, group.Duplicates.Count);
        Assert.Equal(1, report.Dropped[DropReason.ExactDuplicate]);
        Assert.Equal(1, report.Dropped[DropReason.NearDuplicate]);
    }

    [Fact]
    public void ScoreFilterWithACommandKeepsRowsAtOrOverTheThreshold()
    {
        var src = Folder("scored");
        Captioned(src, "flat", new RgbImage(16, 16), "flat");
        Captioned(src, "busy", Noise(16, 16, 3), "busy");
        // The fake scorer rates an image by its PNG size: flat images compress to little, noise does not.
        File.WriteAllText(_dir.File("score.sh"), "size=$(wc -c < \"$1\")\nif [ \"$size\" -gt 400 ]; then echo 0.9; else echo 0.1; fi\n");

        var result = Run(new() { ["Source"] = "scored", ["ValidationFraction"] = "0", ["ImageSize"] = "16", ["ScoreFilter"] = "command:sh score.sh", ["ScoreThreshold"] = "0.5" });

        Assert.Equal(1, result.Metrics["dropped_score_filter"]);
        Assert.Equal(["busy"], ReadBack().Select(r => r.Caption));
        var drop = Assert.Single(CurationReport.Load(_dir.File("out/" + CurationReport.FileName)).Drops);
        Assert.Contains("score 0.1", drop.Message);
    }

    [Fact]
    public void FailingScoreCommandIsACodedError()
    {
        var src = Folder("scored");
        Captioned(src, "a", Noise(16, 16, 3), "a");
        var e = Assert.Throws<StageException>(() => Run(new() { ["Source"] = "scored", ["ScoreFilter"] = "command:sh -c \"echo nope\"" }));
        Assert.Equal("SOAR2006", e.Code);
        Assert.Contains("nope", e.Message);
        Assert.Equal("SOAR2005", Assert.Throws<StageException>(() => Run(new() { ["Source"] = "scored", ["ScoreFilter"] = "magic" })).Code);
    }

    [Fact]
    public void WorldScoreFilterKeepsParquetRowsTheDetectorConfirms()
    {
        var world = WorldCatalog.Get("shapes");
        var rows = Enumerable.Range(0, 12).Select(i =>
        {
            var sample = world.Generate(5, i, 32);
            // Odd rows lose their picture: the detector cannot confirm what the caption claims.
            var image = i % 2 == 0 ? sample.Image : new RgbImage(32, 32);
            return new DatasetRecord { ImageBytes = ImageCodec.EncodePng(image), Caption = sample.Caption, Annotations = sample.Annotations.ToJson() };
        }).ToList();
        var shards = Folder("shards");
        new ParquetDatasetWriter { MaxRowsPerShard = 5 }.WriteSplit(shards, "train", rows);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(shards, "data")).Length);

        var result = Run(new() { ["Source"] = "shards", ["ValidationFraction"] = "0", ["ScoreFilter"] = "world", ["Deduplicate"] = "none" });

        var kept = ReadBack();
        Assert.Equal(6, result.Metrics["dropped_score_filter"]);
        Assert.Equal(rows.Where((_, i) => i % 2 == 0).Select(r => r.Caption), kept.Select(r => r.Caption));
    }

    [Fact]
    public void SplitOfExistingRowsIsStableWhenRowsAreAdded()
    {
        Run(new() { ["Source"] = "glyphs", ["Count"] = "60", ["Seed"] = "2", ["ValidationFraction"] = "0.3" }, output: "small");
        Run(new() { ["Source"] = "glyphs", ["Count"] = "120", ["Seed"] = "2", ["ValidationFraction"] = "0.3" }, output: "large");

        string Key(DatasetRecord r) => Convert.ToHexString(r.ImageBytes);
        var smallValidation = ReadBack("validation", "small").Select(Key).ToHashSet();
        var smallTrain = ReadBack("train", "small").Select(Key).ToHashSet();
        var largeValidation = ReadBack("validation", "large").Select(Key).ToHashSet();
        var largeTrain = ReadBack("train", "large").Select(Key).ToHashSet();
        Assert.NotEmpty(smallValidation);
        Assert.Subset(largeValidation, smallValidation);
        Assert.Subset(largeTrain, smallTrain);
        Assert.True(largeValidation.Count > smallValidation.Count);
    }

    [Fact]
    public async Task RowGroupsAndShardsFollowTheParameters()
    {
        Run(new() { ["Source"] = "shapes", ["Count"] = "50", ["ValidationFraction"] = "0", ["RowGroupSize"] = "8", ["RowsPerShard"] = "20" });
        var info = CuratedDatasetInfo.Load(_dir.File("out"));
        Assert.Equal(["data/train-00000-of-00003.parquet", "data/train-00001-of-00003.parquet", "data/train-00002-of-00003.parquet"], info.Files["train"]);
        using var stream = File.OpenRead(_dir.File("out/data/train-00000-of-00003.parquet"));
        await using var reader = await Parquet.ParquetReader.CreateAsync(stream);
        Assert.Equal([8L, 8, 4], reader.RowGroups.Select(g => g.RowCount));
        Assert.Equal(50, ReadBack().Count);
    }

    [Fact]
    public void ProgressIsThrottledByTime()
    {
        var log = new StringWriter();
        Run(new() { ["Source"] = "shapes", ["Count"] = "300" }, log);
        var steps = log.ToString().Split('\n').Where(l => l.Contains(" step ")).ToList();
        Assert.InRange(steps.Count, 1, 3);
        Assert.Contains("step 300/300", steps[^1]);
    }

    [Fact]
    public void FiltersDropByCaptionAndImageSize()
    {
        var src = Folder("filtered");
        Captioned(src, "a", Noise(30, 20, 1), "a cat");
        Captioned(src, "b", Noise(30, 20, 2), "a cat with watermark");
        Captioned(src, "c", Noise(60, 10, 3), "a wide cat");
        Captioned(src, "d", Noise(8, 8, 4), "a tiny cat");
        var result = Run(new() { ["Source"] = "filtered", ["ValidationFraction"] = "0", ["CaptionExclude"] = "watermark", ["MinImageSide"] = "10", ["MaxAspectRatio"] = "3" });
        Assert.Equal(["a cat"], ReadBack().Select(r => r.Caption));
        Assert.Equal(1, result.Metrics["dropped_caption_filter"]);
        Assert.Equal(2, result.Metrics["dropped_image_filter"]);
        Assert.Equal("SOAR2005", Assert.Throws<StageException>(() => Run(new() { ["Source"] = "filtered", ["CaptionInclude"] = "[" })).Code);
    }
}
