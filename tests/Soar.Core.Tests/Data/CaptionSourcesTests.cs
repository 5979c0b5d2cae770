using Soar.Core.Data;
using Soar.Core.Imaging;

namespace Soar.Core.Tests.Data;

public sealed class CaptionSourcesTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private void Image(string name, int width) =>
        File.WriteAllBytes(_dir.File(name), ImageCodec.EncodePng(new RgbImage(width, 3)));

    [Fact]
    public void CaptionsCsvWithQuotedFieldsIsRead()
    {
        Image("a.png", 5);
        Image("b.png", 6);
        File.WriteAllText(_dir.File("captions.csv"), "file_name,caption,task\na.png,\"red, round\",color\r\nb.png,\"two\nlines \"\"quoted\"\"\",\n");

        var reader = DatasetReader.Open(_dir.Path);
        Assert.Equal(DatasetSourceKind.CaptionsCsv, reader.Kind);
        Assert.Equal(2, reader.CountRows());
        var rows = reader.Read().ToList();
        Assert.Equal(["red, round", "two\nlines \"quoted\""], rows.Select(r => r.Caption));
        Assert.Equal(["color", null], rows.Select(r => r.Task));
        Assert.Equal(6, rows[1].DecodeImage().Width);
        Assert.Contains("line 3", rows[1].Source);
    }

    [Fact]
    public void CaptionsCsvWithoutCaptionColumnNamesTheHeader()
    {
        File.WriteAllText(_dir.File("captions.csv"), "file_name,label\na.png,x\n");
        var e = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(_dir.Path).Read().ToList());
        Assert.Contains("caption", e.Message);
        Assert.Contains("line 1", e.Message);
    }

    [Fact]
    public void SameNameTxtCaptionsAreReadFromSubfolders()
    {
        Directory.CreateDirectory(_dir.File("10_cats"));
        Image("10_cats/one.png", 4);
        File.WriteAllText(_dir.File("10_cats/one.txt"), "  a cat \n");
        Image("two.png", 7);
        File.WriteAllText(_dir.File("two.txt"), "a dog");

        var reader = DatasetReader.Open(_dir.Path);
        Assert.Equal(DatasetSourceKind.CaptionedImages, reader.Kind);
        Assert.Equal(2, reader.CountRows());
        var rows = reader.Read().ToList();
        Assert.Equal(["a cat", "a dog"], rows.Select(r => r.Caption));
        Assert.Equal("two.png", rows[1].ImagePath);
    }

    [Fact]
    public void BrokenRowsAreYieldedWithTheirProblemOnlyWhenAskedFor()
    {
        Image("a.png", 5);
        Image("b.png", 5);
        File.WriteAllText(_dir.File("b.txt"), "b");
        File.WriteAllText(_dir.File("metadata.jsonl"), "{\"file_name\": \"gone.png\", \"caption\": \"x\"}\nnot json\n{\"file_name\": \"a.png\"}\n");

        Assert.Throws<InvalidDataException>(() => DatasetReader.Open(_dir.Path).Read().ToList());
        var rows = DatasetReader.Open(_dir.Path, options: new DatasetReadOptions { KeepBrokenRows = true }).Read().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Contains("gone.png", rows[0].Problem);
        Assert.Empty(rows[0].ImageBytes);
        Assert.Contains("line 2", rows[1].Problem);
        Assert.Null(rows[2].Problem);
        Assert.Equal("", rows[2].Caption);
    }
}
