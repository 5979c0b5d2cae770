using System.Diagnostics;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>A stage that fails or is killed never leaves outputs that look up to date.</summary>
[Collection(BuildCollection.Name)]
public sealed class InterruptedStageTests(ToolingFixture tooling)
{
    [Fact]
    public void A_failing_worker_reports_its_error_at_the_stage_and_moves_nothing_into_place()
    {
        Assert.NotNull(tooling.SoarDll);
        using var project = new SoarProject(
            """<Stage Include="good" Kind="curate" Count="20" />""",
            """<Stage Include="bad" Kind="curate" Source="no-such-folder" />""",
            """<Stage Include="after" Kind="curate" Upstream="bad" Count="20" />""");

        var result = project.Build();

        Assert.False(result.Succeeded);
        Assert.Contains($"{project.ProjectPath}({SoarProject.FirstStageLine + 1}): error SOAR2001: stage 'bad': Source 'no-such-folder'", result.Output);
        Assert.Equal(["good", "bad"], result.Ran);
        Assert.True(File.Exists(project.Manifest("good")));
        Assert.False(Directory.Exists(project.StageDir("bad")));
        Assert.False(Directory.Exists(project.StageDir("after")));
        Assert.Empty(project.Leftovers());
    }

    [Fact]
    public void A_build_killed_mid_stage_leaves_no_finished_looking_stage_and_the_next_build_reruns_it()
    {
        using var project = new SoarProject("""<Stage Include="big" Kind="curate" Count="200000" />""");
        var info = DotnetBuild.StartInfo(project.Dir, "build", project.ProjectPath, "-nologo", "-v:n", "-nodeReuse:false");
        using (var build = DotnetBuild.StartUntil(info, "[big] step"))
        {
            build.Kill(entireProcessTree: true);
            build.WaitForExit();
        }
        Thread.Sleep(500);  // let the killed worker's file handles close

        Assert.False(File.Exists(project.Manifest("big")));
        Assert.False(Directory.Exists(project.StageDir("big")));

        project.Write("""<Stage Include="big" Kind="curate" Count="20" />""");
        var rebuild = project.Build();
        Assert.True(rebuild.Succeeded, rebuild.ToString());
        Assert.Equal(["big"], rebuild.Ran);
        Assert.True(File.Exists(project.Manifest("big")));
        Assert.Empty(project.Leftovers());
    }
}
