using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Incremental;

public class SourcePathsTests
{
    private static readonly KindInfo Kind = KindCatalog.Parse(Catalog.KindCatalogTests.Json).Kinds["data"];

    [Fact]
    public void Editing_the_target_of_a_symbolic_link_in_a_source_folder_changes_the_stamp()
    {
        using var temp = new TempFolder();
        var target = temp.File("shared/y.png", "first");
        temp.File("images/a.png", "a");
        File.CreateSymbolicLink(Path.Combine(temp.Path, "images", "link.png"), target);
        string Stamp() => ParameterStamp.Text("curate", new Dictionary<string, string>(), [], "1",
            SourcePaths.Find(Kind, new Dictionary<string, string> { ["Source"] = "images" }, temp.Path));
        var before = Stamp();

        File.WriteAllText(target, "second, longer");

        Assert.NotEqual(before, Stamp());
        Assert.Contains(target, Stamp());
    }

    [Fact]
    public void A_dangling_link_is_tracked_as_itself()
    {
        using var temp = new TempFolder();
        temp.File("images/a.png", "a");
        File.CreateSymbolicLink(Path.Combine(temp.Path, "images", "gone.png"), Path.Combine(temp.Path, "nowhere.png"));
        var found = SourcePaths.Find(Kind, new Dictionary<string, string> { ["Source"] = "images" }, temp.Path);
        Assert.Equal(["a.png", "gone.png"], found.Select(f => f.Name).Order());
    }

    [Fact]
    public void Recorded_outside_files_are_read_from_the_stage_folder_relative_to_the_project()
    {
        using var temp = new TempFolder();
        var stageDir = Path.Combine(temp.Path, "project", ".soar", "data");
        temp.File("project/.soar/data/" + SourcePaths.OutsideFilesFileName, "../shared/x.png\n../shared/sub/y.png\n");

        var recorded = SourcePaths.Recorded(stageDir, Path.Combine(temp.Path, "project"));

        Assert.Equal([Path.Combine(temp.Path, "shared", "x.png"), Path.Combine(temp.Path, "shared", "sub", "y.png")], recorded);
        Assert.Empty(SourcePaths.Recorded(Path.Combine(temp.Path, "project", ".soar", "other"), temp.Path));
    }
}
