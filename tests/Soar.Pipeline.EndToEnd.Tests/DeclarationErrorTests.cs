namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>Each declaration error fails the build with its SOAR1xxx code, the .soarproj path and the line of the &lt;Stage&gt;.</summary>
[Collection(BuildCollection.Name)]
public sealed class DeclarationErrorTests(ToolingFixture tooling)
{
    private const string Data = """<Stage Include="data" Kind="curate" Count="20" />""";

    public static TheoryData<string, string, int, string> Cases => new()
    {
        { """<Stage Include="m" Kind="sfft" Upstream="data" />""", "SOAR1001", 1, "unknown Kind 'sfft'" },
        { """<Stage Include="m" Kind="sft" Upstream="data" LearnRate="1e-3" />""", "SOAR1002", 1, "'LearnRate' is not a parameter of kind 'sft'" },
        { """<Stage Include="m" Kind="sft" Upstream="data" Steps="-5" />""", "SOAR1003", 1, "Steps=-5: -5 is below the minimum 1" },
        { """<Stage Include="m" Kind="sft" Upstream="data" Device="gpu" />""", "SOAR1003", 1, "Device=gpu: 'gpu' is not one of auto, cpu, cuda" },
        { """<Stage Include="m" Kind="sft" Upstream="dta" />""", "SOAR1004", 1, "upstream 'dta', which is not a declared stage" },
        { """<Stage Include="data" Kind="curate" />""", "SOAR1006", 1, "stage 'data' is declared twice" },
        { """<Stage Include="m" Kind="sft" Upstream="data" BatchSize="99999999999" />""", "SOAR1003", 1, "BatchSize=99999999999: 99999999999 is outside the 32-bit integer range" },
        { """<Stage Include="more" Kind="curate" Source="$(MyData)" />""", "SOAR1017", 1, "stage 'more': Source is written with an empty value" },
        { """<Stage Include="m" Kind="sft" Upstream="data" BatchSize="8" SlurmTime="1h" />""", "SOAR1040", 1, "stage 'm': SlurmTime=\"1h\": give the time limit as sbatch --time takes it" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Declaration_error_points_at_the_stage(string stage, string code, int offset, string message)
    {
        Assert.NotNull(tooling.SoarDll);
        using var project = new SoarProject(Data, stage);
        var result = project.Build();
        Assert.False(result.Succeeded);
        Assert.Contains($"{project.ProjectPath}({SoarProject.FirstStageLine + offset}): error {code}: ", result.Output);
        Assert.Contains(message, result.Output);
        Assert.Empty(result.Ran);
        Assert.False(Directory.Exists(project.StageDir("data")));
    }

    [Fact]
    public void Cycle_is_SOAR1005_at_the_first_stage_of_the_loop()
    {
        using var project = new SoarProject(
            Data,
            """<Stage Include="a" Kind="sft" Upstream="data;c" />""",
            """<Stage Include="b" Kind="sft" Upstream="a" />""",
            """<Stage Include="c" Kind="sft" Upstream="b" />""");
        var result = project.Build();
        Assert.False(result.Succeeded);
        Assert.Contains($"{project.ProjectPath}({SoarProject.FirstStageLine + 1}): error SOAR1005: stages depend on each other in a cycle: a -> b -> c -> a", result.Output);
        Assert.Empty(result.Ran);
    }
}
