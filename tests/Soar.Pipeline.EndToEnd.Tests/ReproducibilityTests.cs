using System.Diagnostics;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>`-t:Verify` proves a pipeline reproduces; a training stage killed with the build resumes on the next build.</summary>
[Collection(BuildCollection.Name)]
public sealed class ReproducibilityTests(ToolingFixture tooling)
{
    private const string Data = """<Stage Include="data" Kind="curate" Count="40" />""";

    [Fact]
    public void Verify_target_reproduces_every_stage_and_names_a_changed_parameter_at_its_line()
    {
        Assert.NotNull(tooling.SoarDll);
        using var project = new SoarProject(Data, """<Stage Include="base" Kind="sft" Upstream="data" Steps="3" BatchSize="8" LogEvery="1" />""");
        Assert.True(project.Build().Succeeded);

        var verify = project.Build("-t:Verify");
        Assert.True(verify.Succeeded, verify.ToString());
        Assert.Contains("verify: stage 'data' reproduced", verify.Output);
        Assert.Contains("verify: stage 'base' reproduced", verify.Output);
        Assert.Contains("outputs reproduced byte for byte", verify.Output);

        project.Write(Data, """<Stage Include="base" Kind="sft" Upstream="data" Steps="3" BatchSize="16" LogEvery="1" />""");
        var changed = project.Build("-t:Verify", "-p:SoarVerifyStages=base");
        Assert.False(changed.Succeeded);
        Assert.Contains($"{project.ProjectPath}({SoarProject.FirstStageLine + 1}): error SOAR1015", changed.Output);
        Assert.Contains("parameter BatchSize: the run recorded 8, the project now says 16", changed.Output);
    }

    [Fact]
    public void A_BaseModel_package_from_a_feed_is_the_starting_point_of_training()
    {
        using var feed = new SoarProject();
        var feedDir = Path.Combine(feed.Dir, "feed");
        Directory.CreateDirectory(feedDir);
        using var producer = new SoarProject(Data,
            """<Stage Include="base" Kind="sft" Upstream="data" Steps="2" BatchSize="8" />""",
            $"""<Stage Include="package" Kind="package" Upstream="base" PackageId="Test.Base" Version="1.0.0" PushSource="{feedDir}" />""");
        var produced = producer.Build();
        Assert.True(produced.Succeeded, produced.ToString());
        Assert.Single(Directory.GetFiles(feedDir, "*.nupkg", SearchOption.AllDirectories));

        using var consumer = new SoarProject(
            $"""<BaseModel Include="Test.Base" Version="1.0.0" Source="{feedDir}" />""",
            Data,
            """<Stage Include="tune" Kind="sft" Upstream="data" Steps="2" BatchSize="8" />""");
        var consumed = consumer.Build();
        Assert.True(consumed.Succeeded, consumed.ToString());
        Assert.Contains("model package Test.Base 1.0.0 from", consumed.Output);
        Assert.Contains("\"ModelPackage\": \"Test.Base/1.0.0\"", consumer.ManifestText("tune"));
        Assert.Equal([], consumer.Build().Ran);
        // The first restore locked the package's recomputed content hash beside the project.
        var lockText = File.ReadAllText(Path.Combine(consumer.Dir, "soar.packages.lock.json"));
        Assert.Contains("\"id\": \"Test.Base\"", lockText);

        // A ContentHash pin on <BaseModel> that the package does not recompute to fails the stage at its line.
        var wrongPin = new string('0', 64);
        using var pinned = new SoarProject(
            $"""<BaseModel Include="Test.Base" Version="1.0.0" Source="{feedDir}" ContentHash="{wrongPin}" />""",
            Data,
            """<Stage Include="tune" Kind="sft" Upstream="data" Steps="2" BatchSize="8" />""");
        var refused = pinned.Build();
        Assert.False(refused.Succeeded);
        Assert.Contains("SOAR2618", refused.Output);
        Assert.Contains(wrongPin, refused.Output);
    }

    [Fact]
    public void SoarStages_builds_only_the_named_stages_and_their_upstream()
    {
        using var project = new SoarProject(Data,
            """<Stage Include="other" Kind="curate" Count="20" Seed="1" />""",
            """<Stage Include="copy" Kind="curate" Upstream="data" Count="20" Seed="2" />""");
        var result = project.Build("-p:SoarStages=copy");
        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(["data", "copy"], result.Ran);
        Assert.False(Directory.Exists(project.StageDir("other")));

        var unknown = project.Build("-p:SoarStages=nope");
        Assert.False(unknown.Succeeded);
        Assert.Contains("error SOAR1009", unknown.Output);
    }

    [Fact]
    public void A_training_stage_killed_with_its_build_resumes_and_matches_an_unbroken_run()
    {
        const string Train = """<Stage Include="base" Kind="sft" Upstream="data" Steps="40" BatchSize="8" CheckpointEvery="5" LogEvery="1" Threads="1" />""";
        using var unbroken = new SoarProject(Data, Train);
        Assert.True(unbroken.Build().Succeeded);

        using var project = new SoarProject(Data, Train);
        var info = DotnetBuild.StartInfo(project.Dir, "build", project.ProjectPath, "-nologo", "-v:n", "-nodeReuse:false");
        using (var build = new Process { StartInfo = info })
        {
            var pastCheckpoint = new ManualResetEventSlim();
            build.OutputDataReceived += (_, e) => { if (e.Data?.Contains("[base] step 12/40") == true) pastCheckpoint.Set(); };
            build.Start();
            build.BeginOutputReadLine();
            build.BeginErrorReadLine();
            Assert.True(pastCheckpoint.Wait(TimeSpan.FromMinutes(3)), "training never got past its first checkpoints");
            build.Kill(entireProcessTree: true);   // SIGKILL: no cleanup runs
            build.WaitForExit();
        }
        Thread.Sleep(500);
        Assert.False(File.Exists(project.Manifest("base")));

        var rebuild = project.Build();
        Assert.True(rebuild.Succeeded, rebuild.ToString());
        Assert.Matches(@"\[base\] resuming from .*\.resume.* at step (10|15)", rebuild.Output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(unbroken.StageDir("base"), "checkpoint", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(project.StageDir("base"), "checkpoint", "model.safetensors")));
        var resumeRoot = Path.Combine(project.OutputRoot, ".resume");
        // Once the stage finished, its resume folder is gone.
        Assert.Empty(Directory.Exists(resumeRoot) ? Directory.GetDirectories(resumeRoot, "base-*") : []);
    }
}
