using Soar.Pipeline.Tasks;
using static Soar.Pipeline.Tasks.Tests.Planning.PipelinePlannerTests;

namespace Soar.Pipeline.Tasks.Tests.Planning;

/// <summary>A parameter written with an empty value (Source="$(Unset)") is an error, never the default.</summary>
public class BlankValueTests
{
    [Fact]
    public void Blank_parameter_is_SOAR1017_naming_stage_line_and_parameter()
    {
        var stage = Stage("data", "curate", line: 7) with { BlankMetadata = ["Source"] };
        var error = Assert.Single(PipelinePlanner.Plan([stage], KindCatalog.Embedded).Errors);
        Assert.Equal(("SOAR1017", "p.soarproj", 7), (error.Code, error.File, error.Line));
        Assert.Equal("stage 'data': Source is written with an empty value; give it a value, or remove Source to use the default 'shapes'", error.Message);
        Assert.Empty(PipelinePlanner.Plan([stage with { BlankMetadata = [] }], KindCatalog.Embedded).Errors);
    }

    [Fact]
    public void The_project_text_tells_which_metadata_the_author_wrote()
    {
        using var temp = new TempFolder();
        var project = temp.File("p.soarproj", """
            <Project>
              <ItemGroup>
                <Stage Include="data" Kind="curate" Source="$(MyData)" Condition="true" />
                <Stage Include="m" Kind="sft">
                  <Upstream>data</Upstream>
                  <Steps>$(Unset)</Steps>
                </Stage>
              </ItemGroup>
            </Project>
            """);
        Assert.Equal(3, ProjectLineMap.FindItem(project, "Stage", "data").Line);
        Assert.Equal(["Kind", "Source"], ProjectLineMap.FindItem(project, "Stage", "data").WrittenMetadata);
        Assert.Equal(["Kind", "Upstream", "Steps"], ProjectLineMap.FindItem(project, "Stage", "m").WrittenMetadata);
    }
}
