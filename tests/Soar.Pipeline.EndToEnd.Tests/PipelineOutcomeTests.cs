using System.Diagnostics;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>What a build does around failures and knobs: checks before training, independent stages after a failure, the summary, the live log.</summary>
[Collection(BuildCollection.Name)]
public sealed class PipelineOutcomeTests(ToolingFixture tooling)
{
    [Fact]
    public void Sample_default_prompts_on_custom_data_fail_before_anything_trains()
    {
        Assert.NotNull(tooling.SoarDll);
        using var project = new SoarProject(
            """<Stage Include="data" Kind="curate" Source="my-images" />""",
            """<Stage Include="base" Kind="sft" Upstream="data" BatchSize="8" />""",
            """<Stage Include="grid" Kind="sample" Upstream="base" />""");
        var result = project.Build();
        Assert.False(result.Succeeded);
        Assert.Contains($"{project.ProjectPath}({SoarProject.FirstStageLine + 2}): error SOAR1018: stage 'grid' (sample): Prompts=auto (the default) on custom data", result.Output);
        Assert.Contains("Upstream=\"base;data\"", result.Output);
        Assert.Empty(result.Ran);
    }

    [Fact]
    public void A_failed_stage_does_not_stop_independent_ones_and_the_summary_lists_every_outcome()
    {
        using var project = new SoarProject(
            """<Stage Include="bad" Kind="curate" Source="no-such-folder" />""",
            """<Stage Include="after" Kind="curate" Upstream="bad" Count="20" />""",
            """<Stage Include="other" Kind="curate" Count="20" />""");
        var first = project.Build();
        Assert.False(first.Succeeded);
        Assert.Equal(["bad", "other"], first.Ran);
        Assert.Contains("Stage 'after' (curate) not run: its upstream bad failed", first.Output);
        Assert.Contains("Soar stages: ran: other; up to date: none; failed: bad; not run (an upstream failed): after", first.Output);
        Assert.True(File.Exists(project.Manifest("other")));
        Assert.False(Directory.Exists(project.StageDir("after")));

        var second = project.Build();
        Assert.Contains("Soar stages: ran: none; up to date: other; failed: bad; not run (an upstream failed): after", second.Output);
    }

    [Fact]
    public void Changing_LogEvery_or_CheckpointEvery_reruns_nothing()
    {
        using var project = new SoarProject(
            """<Stage Include="data" Kind="curate" Count="20" />""",
            """<Stage Include="m" Kind="sft" Upstream="data" Steps="2" BatchSize="8" LogEvery="1" />""");
        var first = project.Build();
        Assert.True(first.Succeeded, first.ToString());
        Assert.Equal(["data", "m"], first.Ran);

        project.Write(
            """<Stage Include="data" Kind="curate" Count="20" />""",
            """<Stage Include="m" Kind="sft" Upstream="data" Steps="2" BatchSize="8" LogEvery="2" CheckpointEvery="1" />""");
        var second = project.Build();
        Assert.True(second.Succeeded, second.ToString());
        Assert.Empty(second.Ran);
        Assert.Equal(["data", "m"], second.Skipped);
    }

    [Fact]
    public void The_stage_log_is_written_while_the_stage_runs()
    {
        using var project = new SoarProject("""<Stage Include="big" Kind="curate" Count="200000" />""");
        var log = Path.Combine(project.OutputRoot, ".logs", "big.log");
        var info = DotnetBuild.StartInfo(project.Dir, "build", project.ProjectPath, "-nologo", "-v:n", "-nodeReuse:false");
        using var build = new Process { StartInfo = info };
        var started = new ManualResetEventSlim();
        build.OutputDataReceived += (_, e) => { if (e.Data?.Contains("[big] step") == true) started.Set(); };
        build.Start();
        build.BeginOutputReadLine();
        build.BeginErrorReadLine();
        try
        {
            Assert.True(started.Wait(TimeSpan.FromMinutes(3)), "the stage never reported progress");
            using var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            Assert.Contains("[big] step", reader.ReadToEnd());
            Assert.False(build.HasExited);
        }
        finally
        {
            build.Kill(entireProcessTree: true);
            build.WaitForExit();
        }
    }
}
