using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Incremental;

public class FolderCleanupTests
{
    [Fact]
    public void A_cleanup_that_fails_is_reported_instead_of_thrown()
    {
        // Nothing under /proc can be deleted, not even by root: the delete really fails.
        void DeleteProcFolder() => Directory.Delete("/proc/self/fdinfo", recursive: true);
        Assert.ThrowsAny<Exception>(DeleteProcFolder);

        var problem = FolderCleanup.Try(DeleteProcFolder);

        Assert.False(string.IsNullOrEmpty(problem));
    }

    [Fact]
    public void A_cleanup_that_succeeds_reports_nothing()
    {
        using var temp = new TempFolder();
        var folder = temp.File("base.tmp-1.2-abcdef12/part.bin", "x");
        Assert.Null(FolderCleanup.Try(() => Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true)));
        Assert.False(Directory.Exists(Path.GetDirectoryName(folder)));
    }
}
