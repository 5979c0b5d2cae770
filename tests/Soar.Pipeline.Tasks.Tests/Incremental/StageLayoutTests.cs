using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Incremental;

public class StageLayoutTests
{
    [Fact]
    public void Swap_replaces_the_stage_folder_and_leaves_nothing_aside()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        temp.File("data/old.txt", "old");
        var fresh = layout.NewTempDir("data");
        Directory.CreateDirectory(fresh);
        File.WriteAllText(Path.Combine(fresh, "new.txt"), "new");

        StageFolderSwap.Swap(fresh, layout.StageDir("data"));

        Assert.Equal(["new.txt"], Directory.GetFiles(layout.StageDir("data")).Select(Path.GetFileName));
        Assert.Equal(["data"], Directory.GetDirectories(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Leftovers_of_interrupted_runs_are_deleted_and_stage_folders_kept()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        temp.File("data/manifest.json", "{}");
        temp.File("data.tmp-1234abcd/part.bin", "x");
        temp.File("data.old-5678abcd/manifest.json", "{}");

        Assert.Equal(2, layout.DeleteLeftovers().Count);
        Assert.Equal(["data"], Directory.GetDirectories(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Stamps_and_manifests_live_at_fixed_places()
    {
        var layout = new StageLayout("/p/.soar/");
        Assert.Equal("/p/.soar/base/manifest.json", layout.Manifest("base"));
        Assert.Equal("/p/.soar/.stamps/base.params", layout.ParameterStamp("base"));
        Assert.Equal("/p/.soar/.stamps/base.content", layout.ContentStamp("base"));
        Assert.Matches(@"^/p/\.soar/base\.tmp-[0-9a-f]{8}$", layout.NewTempDir("base"));
    }
}
