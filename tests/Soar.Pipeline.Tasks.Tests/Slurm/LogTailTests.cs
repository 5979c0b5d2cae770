using System.Text;
using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Slurm;

public class LogTailTests
{
    [Fact]
    public void Each_read_returns_the_complete_lines_added_since_the_last()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "job.log");
        var tail = new LogTail(path);
        Assert.Empty(tail.Read());  // not written yet
        File.WriteAllText(path, "one\ntw");
        Assert.Equal(["one"], tail.Read());
        File.AppendAllText(path, "o\r\nthree\n");
        Assert.Equal(["two", "three"], tail.Read());
        File.AppendAllText(path, "last, unterminated");
        Assert.Empty(tail.Read());
        Assert.Equal(["last, unterminated"], tail.Read(final: true));
    }

    [Fact]
    public void A_character_split_across_two_writes_is_decoded_whole()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Path, "job.log");
        var bytes = Encoding.UTF8.GetBytes("ETA ≈ 2 s\n");
        var cut = Array.IndexOf(bytes, (byte)0x89);  // inside '≈'
        File.WriteAllBytes(path, bytes[..cut]);
        var tail = new LogTail(path);
        Assert.Empty(tail.Read());
        using (var stream = new FileStream(path, FileMode.Append)) stream.Write(bytes[cut..]);
        Assert.Equal(["ETA ≈ 2 s"], tail.Read());
    }

    [Fact]
    public void A_log_rewritten_from_its_start_is_read_from_its_start()
    {
        using var folder = new TempFolder();
        var path = folder.File("job.log", "a long first attempt\n");
        var tail = new LogTail(path);
        Assert.Single(tail.Read());
        File.WriteAllText(path, "again\n");
        Assert.Equal(["again"], tail.Read());
    }
}
