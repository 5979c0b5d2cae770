using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Planning;

public class ProjectLineMapTests
{
    [Fact]
    public void Finds_the_line_of_the_stage_element_by_include()
    {
        using var temp = new TempFolder();
        var project = temp.File("p.soarproj", """
            <Project>
              <ItemGroup>
                <Stage Include="data" Kind="curate" />
                <Other Include="model" />
                <Stage
                   Include="model"
                   Kind="sft" />
                <Stage Include="x;Grid" Kind="sample" />
              </ItemGroup>
            </Project>
            """);
        Assert.Equal(3, ProjectLineMap.FindItemLine(project, "Stage", "data"));
        Assert.Equal(5, ProjectLineMap.FindItemLine(project, "Stage", "model"));
        Assert.Equal(8, ProjectLineMap.FindItemLine(project, "Stage", "grid"));
        Assert.Equal(0, ProjectLineMap.FindItemLine(project, "Stage", "missing"));
        Assert.Equal(0, ProjectLineMap.FindItemLine(project, "Stage", "data", occurrence: 1));
    }

    [Fact]
    public void A_duplicate_name_is_found_at_each_occurrence()
    {
        using var temp = new TempFolder();
        var project = temp.File("p.soarproj", "<Project>\n<ItemGroup>\n<Stage Include=\"a\" />\n<Stage Include=\"a\" />\n</ItemGroup>\n</Project>");
        Assert.Equal(3, ProjectLineMap.FindItemLine(project, "Stage", "a"));
        Assert.Equal(4, ProjectLineMap.FindItemLine(project, "Stage", "a", occurrence: 1));
    }

    [Fact]
    public void Missing_or_broken_files_give_line_zero()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, ProjectLineMap.FindItemLine(Path.Combine(temp.Path, "none.soarproj"), "Stage", "a"));
        Assert.Equal(0, ProjectLineMap.FindItemLine(temp.File("bad.soarproj", "<Project><Stage Include=\"a\""), "Stage", "b"));
    }
}
