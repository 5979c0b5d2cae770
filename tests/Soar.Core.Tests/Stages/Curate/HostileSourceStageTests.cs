using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Soar.Core.Curation;
using Soar.Core.Data;
using Soar.Core.Imaging;
using Soar.Core.Stages;
using Soar.Core.Stages.Curate;
using Soar.Core.Tests.Data;
using Soar.Core.Tests.Imaging;

namespace Soar.Core.Tests.Stages.Curate;

/// <summary>The curate stage on hostile user data: what it keeps, what it reports and what it records for reruns.</summary>
public sealed class HostileSourceStageTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private StageResult Run(Dictionary<string, string> parameters, string project = "project")
    {
        Directory.CreateDirectory(_dir.File(project));
        var spec = new StageSpec
        {
            Name = "data",
            Kind = "curate",
            ProjectPath = _dir.File($"{project}/p.soarproj"),
            OutputDir = _dir.File($"{project}/out"),
            Parameters = new Dictionary<string, string>(parameters, StringComparer.OrdinalIgnoreCase) { ["ValidationFraction"] = "0" },
        };
        return new CurateStage().Run(new StageContext(spec, new ConsoleStageLog("t", new StringWriter())), CancellationToken.None);
    }

    private string Folder(string relative) => Directory.CreateDirectory(_dir.File(relative)).FullName;

    private static void Png(string path, int seed) => File.WriteAllBytes(path, ImageCodec.EncodePng(TestImages.Noise(12, 12, seed)));

    [Fact]
    public void The_report_names_rows_relative_to_the_project_so_checkouts_agree()
    {
        string ReportOf(string checkout)
        {
            var src = Folder($"{checkout}/images");
            Png(Path.Combine(src, "a.png"), 1);
            File.WriteAllText(Path.Combine(src, "captions.csv"), "file_name,caption\na.png,a picture\nmissing.png,gone\n");
            Run(new() { ["Source"] = "images" }, project: checkout);
            return File.ReadAllText(_dir.File($"{checkout}/out/{CurationReport.FileName}"));
        }

        var first = ReportOf("checkout-one");
        var second = ReportOf("elsewhere/checkout-two");

        Assert.DoesNotContain(_dir.Path, first);
        Assert.Contains("images/captions.csv line 3", first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Hostile_rows_are_dropped_with_their_own_reasons()
    {
        var src = Folder("project/images");
        Png(Path.Combine(src, "ok.png"), 1);
        Png(Path.Combine(src, "ok2.png"), 2);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(src, "pipe.png"))) mkfifo.WaitForExit();
        File.WriteAllText(Path.Combine(src, "captions.csv"),
            "file_name,caption\nok.png,\"two\nlines\"\npipe.png,pipe\n/dev/zero,zero\nok2.png,\"esc \u001b[2J\"\n");

        var result = Run(new() { ["Source"] = "images" });

        var report = CurationReport.Load(_dir.File("project/out/" + CurationReport.FileName));
        Assert.Equal(1, report.Kept);
        Assert.Equal(1, report.Dropped[DropReason.NotRegularFile]);
        Assert.Equal(1, report.Dropped[DropReason.OutsideSource]);
        Assert.Equal(1, report.Dropped[DropReason.ControlCharacters]);
        Assert.Equal(1, report.CaptionsCleaned);
        var cleaned = Assert.Single(report.Cleaned);
        Assert.Equal("images/captions.csv line 2 (ok.png)", cleaned.Source);
        Assert.Equal("two lines", Assert.Single(DatasetReader.Open(_dir.File("project/out"), "train").Read()).Caption);
        Assert.Equal(1, result.Metrics["dropped_control_characters"]);
    }

    [Fact]
    public void Files_read_from_outside_are_listed_for_the_build_when_allowed()
    {
        var shared = Folder("shared");
        Png(Path.Combine(shared, "x.png"), 3);
        var src = Folder("project/images");
        Png(Path.Combine(src, "in.png"), 4);
        File.WriteAllText(Path.Combine(src, "captions.csv"), "file_name,caption\n../../shared/x.png,outside\nin.png,inside\n");

        Run(new() { ["Source"] = "images" });
        Assert.False(File.Exists(_dir.File("project/out/" + CurateStage.OutsideFilesFileName)));
        Assert.Equal(1, CurationReport.Load(_dir.File("project/out/" + CurationReport.FileName)).Dropped[DropReason.OutsideSource]);

        var result = Run(new() { ["Source"] = "images", ["AllowOutsideSource"] = "true" });
        Assert.Equal(2, result.Metrics["rows_train"]);
        Assert.Equal("../shared/x.png\n", File.ReadAllText(_dir.File("project/out/" + CurateStage.OutsideFilesFileName)));
        Assert.Equal(["../shared/x.png"], CurationReport.Load(_dir.File("project/out/" + CurationReport.FileName)).OutsideFiles);
    }

    [Fact]
    public void Transparency_goes_onto_the_background_parameter_which_dataset_json_records()
    {
        var src = Folder("project/icons");
        using (var icon = new Image<Rgba32>(8, 8, new Rgba32(0, 0, 0, 0)))
        {
            icon[4, 4] = new Rgba32(10, 10, 10, 255);
            icon.Save(Path.Combine(src, "icon.png"), new PngEncoder { ColorType = PngColorType.RgbWithAlpha });
        }
        File.WriteAllText(Path.Combine(src, "icon.txt"), "a dark icon");

        RgbImage Curated(string? background)
        {
            var parameters = new Dictionary<string, string> { ["Source"] = "icons", ["ImageSize"] = "8" };
            if (background is not null) parameters["Background"] = background;
            Run(parameters);
            return Assert.Single(DatasetReader.Open(_dir.File("project/out"), "train").Read()).DecodeImage();
        }

        Assert.Equal((255, 255, 255), Curated(null)[0, 0]);
        Assert.Equal("#ffffff", CuratedDatasetInfo.Load(_dir.File("project/out")).Background);
        Assert.Equal((0, 128, 0), Curated("green")[0, 0]);
        Assert.Equal("#008000", CuratedDatasetInfo.Load(_dir.File("project/out")).Background);

        var e = Assert.Throws<StageException>(() => Curated("nope"));
        Assert.Equal("SOAR2005", e.Code);
        Assert.Contains("Background 'nope'", e.Message);
    }

    [Fact]
    public void A_latin1_captions_csv_fails_the_stage_naming_the_line_and_the_formats_doc()
    {
        var src = Folder("project/images");
        Png(Path.Combine(src, "a.png"), 1);
        File.WriteAllBytes(Path.Combine(src, "captions.csv"), System.Text.Encoding.Latin1.GetBytes("file_name,caption\na.png,caf\u00e9 au lait\n"));

        var e = Assert.Throws<StageException>(() => Run(new() { ["Source"] = "images" }));

        Assert.Equal("SOAR2001", e.Code);
        Assert.Contains("images/captions.csv line 2: not valid UTF-8 (byte 0xE9", e.Message);
        Assert.Contains(CurateStage.DatasetsDoc, e.Message);
    }
}
