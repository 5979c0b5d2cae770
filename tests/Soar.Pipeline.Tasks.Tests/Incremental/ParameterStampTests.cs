using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Incremental;

public class ParameterStampTests
{
    [Fact]
    public void Stamp_lists_kind_sorted_parameters_upstream_tool_and_sources()
    {
        using var temp = new TempFolder();
        var source = new FileInfo(temp.File("src/a.png", "x"));
        var text = ParameterStamp.Text("sft", new Dictionary<string, string> { ["Steps"] = "5", ["Lr"] = "1" }, ["data", "base"], "0.1.0+ab", [source]);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["kind=sft", "param Lr=1", "param Steps=5", "upstream=data;base", "tool=0.1.0+ab"], lines[..5]);
        Assert.StartsWith($"source {source.FullName} 1 ", lines[5]);
    }

    [Fact]
    public void Editing_a_source_file_changes_the_stamp()
    {
        using var temp = new TempFolder();
        var path = temp.File("data.jsonl", "{}");
        string Stamp() => ParameterStamp.Text("curate", new Dictionary<string, string>(), [], "1", [new FileInfo(path)]);
        var before = Stamp();
        File.WriteAllText(path, "{}\n{}");
        Assert.NotEqual(before, Stamp());
    }

    [Fact]
    public void Source_paths_are_string_parameters_naming_files_or_folders()
    {
        using var temp = new TempFolder();
        temp.File("images/a.png", "a");
        temp.File("images/sub/b.png", "b");
        var kind = KindCatalog.Parse(Catalog.KindCatalogTests.Json).Kinds["data"];
        var found = SourcePaths.Find(kind, new Dictionary<string, string> { ["Source"] = "images" }, temp.Path);
        Assert.Equal(["a.png", "b.png"], found.Select(f => f.Name).Order());
        Assert.Empty(SourcePaths.Find(kind, new Dictionary<string, string> { ["Source"] = "shapes" }, temp.Path));
    }
}
