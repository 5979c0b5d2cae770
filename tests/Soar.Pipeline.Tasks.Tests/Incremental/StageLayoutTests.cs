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
    public void Leftovers_of_dead_runs_are_deleted_and_live_runs_and_stage_folders_kept()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        using var exited = System.Diagnostics.Process.Start("true");
        var dead = ProcessIdentity.Of(exited.Id);
        exited.WaitForExit();
        var me = ProcessIdentity.Current;
        temp.File("data/manifest.json", "{}");
        temp.File("data.tmp-1234abcd/part.bin", "x");  // an older version's name: no owner, so nothing can still use it
        temp.File($"data.old-{exited.Id}.{dead?.StartTicks ?? 1}-5678abcd/manifest.json", "{}");
        temp.File($"base.tmp-{me.Pid}.{me.StartTicks}-9abcdef0/part.bin", "a live run's folder");

        Assert.Equal(2, layout.DeleteLeftovers().Count);
        Assert.Equal(["base.tmp-" + me.Pid + "." + me.StartTicks + "-9abcdef0", "data"],
            Directory.GetDirectories(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_resume_folder_of_a_stage_that_finished_with_that_fingerprint_is_a_leftover()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        var fingerprint = new string('a', 64);
        temp.File("base/manifest.json", $"{{\"fingerprint\": \"{fingerprint}\"}}");
        temp.File(".resume/base-aaaaaaaaaaaaaaaa/checkpoint/model.safetensors", "left by a kill during the final move");
        temp.File(".resume/base-bbbbbbbbbbbbbbbb/checkpoint/model.safetensors", "an interrupted run of another declaration");

        Assert.Equal([layout.ResumeDir("base", fingerprint)], layout.DeleteLeftovers());
        Assert.Equal(["base-bbbbbbbbbbbbbbbb"], Directory.GetDirectories(layout.ResumeRoot).Select(Path.GetFileName));
    }

    [Fact]
    public void Finished_stage_folders_no_stage_declares_are_listed_and_deleted_with_their_files()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        temp.File("data/manifest.json", "{}");
        temp.File("old-name/manifest.json", "{}");
        temp.File("old-name/checkpoint/model.safetensors", "weights");
        temp.File("notes/readme.txt", "not a stage folder");
        temp.File(".stamps/old-name.params", "kind=sft");
        temp.File(".stamps/old-name.content", "c0ffee");
        temp.File(".specs/old-name.json", "{}");
        temp.File(".logs/old-name.log", "log");
        temp.File(".resume/old-name-cccccccccccccccc/checkpoint/model.safetensors", "x");

        Assert.Equal(["old-name"], layout.UndeclaredStages(["DATA"]));
        Assert.Equal(6, layout.DeleteStage("old-name").Count);

        Assert.Equal(["data", "notes"], Directory.GetDirectories(temp.Path).Where(d => !Path.GetFileName(d).StartsWith('.')).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(temp.Path, ".stamps")));
        Assert.Empty(Directory.GetDirectories(layout.ResumeRoot));
        Assert.Empty(layout.UndeclaredStages(["data"]));
    }

    [Fact]
    public void Stamps_and_manifests_live_at_fixed_places()
    {
        var layout = new StageLayout("/p/.soar/");
        Assert.Equal("/p/.soar/base/manifest.json", layout.Manifest("base"));
        Assert.Equal("/p/.soar/.stamps/base.params", layout.ParameterStamp("base"));
        Assert.Equal("/p/.soar/.stamps/base.content", layout.ContentStamp("base"));
        Assert.Matches($@"^/p/\.soar/base\.tmp-{Environment.ProcessId}\.\d+-[0-9a-f]{{8}}$", layout.NewTempDir("base"));
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
