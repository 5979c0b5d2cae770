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

    [Fact]
    public void Resume_folders_are_keyed_by_fingerprint_and_stale_ones_are_deleted()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        var fingerprint = new string('a', 64);
        var current = layout.ResumeDir("base", fingerprint);
        Assert.Equal(Path.Combine(temp.Path, ".resume", "base-aaaaaaaaaaaaaaaa"), current);
        temp.File(".resume/base-aaaaaaaaaaaaaaaa/checkpoint/model.safetensors", "x");
        temp.File(".resume/base-bbbbbbbbbbbbbbbb/checkpoint/model.safetensors", "old run");
        temp.File(".resume/based-cccccccccccccccc/checkpoint/model.safetensors", "another stage");
        temp.File(".resume/base-2-dddddddddddddddd/checkpoint/model.safetensors", "a stage named base-2");

        layout.DeleteStaleResumeDirs("base", keep: current);
        Assert.Equal(["base-2-dddddddddddddddd", "base-aaaaaaaaaaaaaaaa", "based-cccccccccccccccc"],
            Directory.GetDirectories(layout.ResumeRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        layout.DeleteStaleResumeDirs("base", keep: null);
        Assert.Equal(["base-2-dddddddddddddddd", "based-cccccccccccccccc"],
            Directory.GetDirectories(layout.ResumeRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}
