using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Incremental;

public class FileStampTests
{
    [Fact]
    public void Writes_only_when_the_text_differs_so_the_timestamp_means_changed()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "stamps", "a.params");
        Assert.True(FileStamp.WriteIfDifferent(path, "one\n"));
        var old = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(path, old);

        Assert.False(FileStamp.WriteIfDifferent(path, "one\n"));
        Assert.Equal(old, File.GetLastWriteTimeUtc(path));

        Assert.True(FileStamp.WriteIfDifferent(path, "two\n"));
        Assert.Equal("two\n", File.ReadAllText(path));
        Assert.NotEqual(old, File.GetLastWriteTimeUtc(path));
        Assert.False(File.Exists(path + ".tmp"));
    }
}
