using Soar.Core.Data;
using Soar.Core.Imaging;

namespace Soar.Core.Tests.Data;

public sealed class ImageFolderTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private void Image(string name, int width) =>
        File.WriteAllBytes(_dir.File(name), ImageCodec.EncodePng(new RgbImage(width, 3)));

    [Fact]
    public void ReadsFileNameWithCaptionOrText()
    {
        Directory.CreateDirectory(_dir.File("imgs"));
        Image("imgs/a.png", 5);
        Image("b.png", 7);
        File.WriteAllText(_dir.File("metadata.jsonl"),
            "{\"file_name\": \"imgs/a.png\", \"caption\": \"first\"}\n\n{\"file_name\": \"b.png\", \"text\": \"second\", \"extra\": 1}\n");

        var reader = DatasetReader.Open(_dir.Path);
        Assert.Equal(DatasetSourceKind.ImageFolder, reader.Kind);
        Assert.Equal(2, reader.CountRows());
        var rows = reader.Read().ToList();
        Assert.Equal(["first", "second"], rows.Select(r => r.Caption));
        Assert.Equal("imgs/a.png", rows[0].ImagePath);
        Assert.Equal(7, rows[1].DecodeImage().Width);
        Assert.Contains("line 3", rows[1].Source);
    }

    [Fact]
    public void MissingCaptionNamesTheLine()
    {
        Image("a.png", 2);
        File.WriteAllText(_dir.File("metadata.jsonl"), "{\"file_name\": \"a.png\", \"caption\": \"ok\"}\n{\"file_name\": \"a.png\"}\n");
        var e = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(_dir.Path).Read().ToList());
        Assert.Contains("metadata.jsonl line 2", e.Message);
        Assert.Contains("caption", e.Message);
    }

    [Fact]
    public void MissingImageFileAndBadJsonAreNamed()
    {
        File.WriteAllText(_dir.File("metadata.jsonl"), "{\"file_name\": \"gone.png\", \"caption\": \"x\"}\n");
        Assert.Contains("gone.png", Assert.Throws<InvalidDataException>(() => DatasetReader.Open(_dir.Path).Read().ToList()).Message);
        File.WriteAllText(_dir.File("metadata.jsonl"), "{not json\n");
        Assert.Contains("line 1", Assert.Throws<InvalidDataException>(() => DatasetReader.Open(_dir.Path).Read().ToList()).Message);
    }

    [Fact]
    public void FolderWithoutDataExplainsTheExpectedLayout()
    {
        Image("lonely.png", 2);
        var e = Assert.Throws<InvalidDataException>(() => DatasetReader.Open(_dir.Path));
        Assert.Contains("metadata.jsonl", e.Message);
        Assert.Throws<FileNotFoundException>(() => DatasetReader.Open(_dir.File("missing")));
    }
}
