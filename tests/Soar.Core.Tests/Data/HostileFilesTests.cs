using System.Diagnostics;
using Soar.Core.Data;
using Soar.Core.Imaging;
using Soar.Core.Tests.Imaging;

namespace Soar.Core.Tests.Data;

/// <summary>User data that tries to hang, exhaust or escape the reader: real FIFOs, devices, symbolic links, bad bytes.</summary>
public sealed class HostileFilesTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly DatasetReadOptions Keeping = new() { KeepBrokenRows = true };

    private string Folder(string name) => Directory.CreateDirectory(_dir.File(name)).FullName;

    private static void Png(string path, int side = 6) => File.WriteAllBytes(path, ImageCodec.EncodePng(TestImages.Noise(side, side, side)));

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    private static List<DatasetRecord> Read(string path, DatasetReadOptions options) => DatasetReader.Open(path, options: options).Read().ToList();

    [Fact]
    public void A_named_pipe_as_an_image_is_a_row_problem_not_a_hang()
    {
        var src = Folder("src");
        Png(Path.Combine(src, "good.png"));
        MakeFifo(Path.Combine(src, "pipe.png"));
        File.WriteAllText(Path.Combine(src, "metadata.jsonl"), "{\"file_name\": \"pipe.png\", \"caption\": \"a pipe\"}\n{\"file_name\": \"good.png\", \"caption\": \"good\"}\n");

        var rows = Read(src, Keeping);

        Assert.Equal(RecordProblem.NotRegularFile, rows[0].ProblemKind);
        Assert.Contains("'pipe.png' is a named pipe (FIFO), not a regular file", rows[0].Problem);
        Assert.Null(rows[1].Problem);
        Assert.Contains("named pipe", Assert.Throws<InvalidDataException>(() => Read(src, DatasetReadOptions.Default)).Message);
    }

    [Fact]
    public void A_named_pipe_as_a_caption_file_or_as_the_metadata_is_refused()
    {
        var src = Folder("txt");
        Png(Path.Combine(src, "a.png"));
        MakeFifo(Path.Combine(src, "a.txt"));
        var row = Assert.Single(Read(src, Keeping));
        Assert.Equal(RecordProblem.NotRegularFile, row.ProblemKind);
        Assert.Contains("caption file 'a.txt' is a named pipe", row.Problem);

        var meta = Folder("meta");
        MakeFifo(Path.Combine(meta, "metadata.jsonl"));
        Assert.Contains("named pipe", Assert.Throws<InvalidDataException>(() => DatasetReader.Open(meta, options: Keeping).CountRows()).Message);
        Assert.Contains("named pipe", Assert.Throws<InvalidDataException>(() => DatasetReader.Open(Path.Combine(meta, "metadata.jsonl"))).Message);
    }

    [Fact]
    public void Dev_zero_is_outside_the_source_and_not_a_regular_file()
    {
        var src = Folder("zero");
        File.CreateSymbolicLink(Path.Combine(src, "zero.png"), "/dev/zero");
        File.WriteAllText(Path.Combine(src, "zero.txt"), "endless");
        File.WriteAllText(Path.Combine(src, "captions.csv"), "file_name,caption\nzero.png,endless\n/dev/zero,absolute\n");

        var refused = Read(src, Keeping);
        Assert.All(refused, r => Assert.Equal(RecordProblem.OutsideSource, r.ProblemKind));
        Assert.Contains("resolves to /dev/zero, outside the Source folder", refused[0].Problem);

        var allowedReader = DatasetReader.Open(src, options: Keeping with { AllowOutsideFiles = true });
        var allowed = allowedReader.Read().ToList();
        Assert.All(allowed, r => Assert.Equal(RecordProblem.NotRegularFile, r.ProblemKind));
        Assert.Contains("is a character device", allowed[1].Problem);
        Assert.Empty(allowedReader.OutsideFiles);
    }

    [Fact]
    public void A_file_over_the_byte_cap_is_refused_before_it_is_read()
    {
        var src = Folder("big");
        Png(Path.Combine(src, "big.png"), side: 64);
        Png(Path.Combine(src, "small.png"), side: 4);
        File.WriteAllText(Path.Combine(src, "big.txt"), "big");
        File.WriteAllText(Path.Combine(src, "small.txt"), "small");
        long cap = new FileInfo(Path.Combine(src, "big.png")).Length - 1;

        var rows = Read(src, Keeping with { MaxFileBytes = cap });

        Assert.Equal(RecordProblem.OverByteLimit, rows[0].ProblemKind);
        Assert.Contains($"over MaxFileBytes={cap}", rows[0].Problem);
        Assert.Null(rows[1].Problem);
    }

    [Fact]
    public void Paths_that_escape_the_source_are_refused_unless_allowed_and_then_remembered()
    {
        var outside = Folder("shared");
        Png(Path.Combine(outside, "x.png"));
        Png(Path.Combine(outside, "y.png"));
        var src = Folder("src");
        Png(Path.Combine(src, "in.png"));
        File.CreateSymbolicLink(Path.Combine(src, "link.png"), Path.Combine(outside, "y.png"));
        File.WriteAllText(Path.Combine(src, "captions.csv"), "file_name,caption\n../shared/x.png,dotdot\nlink.png,linked\nin.png,inside\n");

        var refused = DatasetReader.Open(src, options: Keeping);
        var rows = refused.Read().ToList();
        Assert.Equal([RecordProblem.OutsideSource, RecordProblem.OutsideSource], rows.Take(2).Select(r => r.ProblemKind));
        Assert.Contains("AllowOutsideSource", rows[0].Problem);
        Assert.Null(rows[2].Problem);
        Assert.Empty(refused.OutsideFiles);
        Assert.Contains("outside the Source folder", Assert.Throws<InvalidDataException>(() => Read(src, DatasetReadOptions.Default)).Message);

        var allowed = DatasetReader.Open(src, options: Keeping with { AllowOutsideFiles = true });
        Assert.All(allowed.Read().ToList(), r => Assert.Null(r.Problem));
        Assert.Equal([Path.Combine(outside, "x.png"), Path.Combine(outside, "y.png")], allowed.OutsideFiles);
    }

    [Fact]
    public void A_symlinked_folder_pointing_outside_is_outside_too()
    {
        var outside = Folder("elsewhere");
        Png(Path.Combine(outside, "a.png"));
        File.WriteAllText(Path.Combine(outside, "a.txt"), "a");
        var src = Folder("src");
        Directory.CreateSymbolicLink(Path.Combine(src, "sub"), outside);

        var row = Assert.Single(Read(src, Keeping));
        Assert.Equal(RecordProblem.OutsideSource, row.ProblemKind);
    }

    [Fact]
    public void A_latin1_csv_is_an_error_naming_the_line()
    {
        var src = Folder("latin1");
        Png(Path.Combine(src, "a.png"));
        Png(Path.Combine(src, "b.png"));
        var latin1 = System.Text.Encoding.Latin1.GetBytes("file_name,caption\na.png,a cat\nb.png,a caf\u00e9\n");
        File.WriteAllBytes(Path.Combine(src, "captions.csv"), latin1);

        var e = Assert.Throws<InvalidDataException>(() => Read(src, Keeping));

        Assert.Contains("captions.csv line 3: not valid UTF-8 (byte 0xE9", e.Message);
        Assert.Contains("save the file as UTF-8", e.Message);
    }

    [Fact]
    public void A_latin1_metadata_line_or_caption_file_names_the_line()
    {
        var meta = Folder("meta");
        Png(Path.Combine(meta, "a.png"));
        File.WriteAllBytes(Path.Combine(meta, "metadata.jsonl"), System.Text.Encoding.Latin1.GetBytes("{\"file_name\": \"a.png\", \"caption\": \"na\u00efve\"}\n"));
        Assert.Contains("metadata.jsonl line 1: not valid UTF-8", Assert.Throws<InvalidDataException>(() => Read(meta, Keeping)).Message);

        var txt = Folder("txt");
        Png(Path.Combine(txt, "a.png"));
        File.WriteAllBytes(Path.Combine(txt, "a.txt"), System.Text.Encoding.Latin1.GetBytes("first line\nna\u00efve\n"));
        var row = Assert.Single(Read(txt, Keeping));
        Assert.Contains("caption file 'a.txt' line 2: not valid UTF-8 (byte 0xEF)", row.Problem);
    }

    [Fact]
    public void Captions_over_the_limit_are_refused_per_row_in_every_layout()
    {
        var longCaption = new string('x', 50);
        var options = Keeping with { MaxCaptionChars = 40 };

        var csv = Folder("csv");
        Png(Path.Combine(csv, "a.png"));
        File.WriteAllText(Path.Combine(csv, "captions.csv"), $"file_name,caption\na.png,\"{longCaption}\"\na.png,{new string('z', 41)}\na.png,{new string('w', 40)}\n");
        var rows = Read(csv, options);
        Assert.Equal(RecordProblem.CaptionTooLong, rows[0].ProblemKind);
        Assert.Contains("over 40 characters", rows[0].Problem);
        Assert.Equal(RecordProblem.CaptionTooLong, rows[1].ProblemKind);
        Assert.Equal(new string('w', 40), rows[2].Caption);

        var meta = Folder("meta");
        Png(Path.Combine(meta, "a.png"));
        File.WriteAllText(Path.Combine(meta, "metadata.jsonl"), $"{{\"file_name\": \"a.png\", \"caption\": \"{longCaption}\"}}\n");
        Assert.Equal(RecordProblem.CaptionTooLong, Assert.Single(Read(meta, options)).ProblemKind);

        var txt = Folder("txt");
        Png(Path.Combine(txt, "a.png"));
        File.WriteAllText(Path.Combine(txt, "a.txt"), new string('y', 500));
        Assert.Equal(RecordProblem.CaptionTooLong, Assert.Single(Read(txt, options)).ProblemKind);
    }

    [Fact]
    public void Row_sources_are_named_relative_to_the_given_folder()
    {
        var src = Folder("data");
        Png(Path.Combine(src, "a.png"));
        File.WriteAllText(Path.Combine(src, "captions.csv"), "file_name,caption\na.png,a\nmissing.png,b\n");

        var rows = Read(src, Keeping with { NamesRelativeTo = _dir.Path });

        Assert.Equal("data/captions.csv line 2 (a.png)", rows[0].Source);
        Assert.Equal("data/captions.csv line 3: image file 'missing.png' not found in data", rows[1].Problem);
    }

    [Fact]
    public void Parquet_images_over_the_byte_cap_are_row_problems()
    {
        var src = Folder("parquet");
        var big = ImageCodec.EncodePng(TestImages.Noise(32, 32, 1));
        var rows = new List<DatasetRecord>
        {
            new() { ImageBytes = big, Caption = "big" },
            new() { ImageBytes = ImageCodec.EncodePng(TestImages.Noise(2, 2, 2)), Caption = "small" },
        };
        new ParquetDatasetWriter().WriteFile(Path.Combine(src, "train.parquet"), rows);

        var read = Read(src, Keeping with { MaxFileBytes = big.Length - 1 });

        Assert.Equal(RecordProblem.OverByteLimit, read[0].ProblemKind);
        Assert.Contains("row 0: the image is", read[0].Problem);
        Assert.Null(read[1].Problem);
        Assert.Contains("over MaxFileBytes", Assert.Throws<InvalidDataException>(() => Read(src, DatasetReadOptions.Default with { MaxFileBytes = 10 })).Message);
    }
}
