namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>What reruns and what is skipped across real `dotnet build` runs.</summary>
[Collection(BuildCollection.Name)]
public sealed class IncrementalBuildTests(ToolingFixture tooling)
{
    // "data" feeds "copy" (a curate stage reads no input, but the build still orders and fingerprints it by Upstream);
    // "other" is independent of both.
    private static readonly string[] Chain =
    [
        """<Stage Include="data" Kind="curate" Source="shapes" Count="40" Seed="1" />""",
        """<Stage Include="copy" Kind="curate" Upstream="data" Count="30" />""",
        """<Stage Include="other" Kind="curate" Count="20" />""",
    ];

    [Fact]
    public void First_build_runs_curate_sft_sample_in_order_and_a_rebuild_runs_nothing()
    {
        Assert.NotNull(tooling.SoarDll);
        using var project = new SoarProject(
            """<Stage Include="grid" Kind="sample" Upstream="base" Count="2" Steps="2" Prompts="a red circle" Device="cpu" />""",
            """<Stage Include="base" Kind="sft" Upstream="data" Steps="2" BatchSize="4" Device="cpu" LogEvery="1" />""",
            """<Stage Include="data" Kind="curate" Count="40" />""");

        var first = project.Build();
        Assert.True(first.Succeeded, first.ToString());
        Assert.Equal(["data", "base", "grid"], first.Ran);
        Assert.Contains("[base] step 2/2 loss=", first.Output);
        foreach (var stage in new[] { "data", "base", "grid" })
            Assert.Contains($"\"name\": \"{stage}\"", project.ManifestText(stage));
        Assert.Empty(project.Leftovers());

        var second = project.Build();
        Assert.True(second.Succeeded, second.ToString());
        Assert.Empty(second.Ran);
        // How fast a no-op rebuild is, is a benchmark (bench/Soar.Bench --noop-rebuild), not a test a loaded machine fails.
        Assert.Equal(["data", "base", "grid"], second.Skipped);
    }

    [Fact]
    public void Changing_a_parameter_reruns_that_stage_and_its_dependents_only()
    {
        using var project = new SoarProject(Chain);
        Assert.Equal(["data", "copy", "other"], project.Build().Ran);
        var copyManifest = project.ManifestText("copy");

        project.Write([Chain[0].Replace("Seed=\"1\"", "Seed=\"2\""), Chain[1], Chain[2]]);
        var upstreamChanged = project.Build();
        Assert.True(upstreamChanged.Succeeded, upstreamChanged.ToString());
        Assert.Equal(["data", "copy"], upstreamChanged.Ran);
        Assert.Equal(["other"], upstreamChanged.Skipped);
        Assert.NotEqual(copyManifest, project.ManifestText("copy"));  // its input hash and fingerprint moved

        project.Write([Chain[0].Replace("Seed=\"1\"", "Seed=\"2\""), Chain[1].Replace("30", "31"), Chain[2]]);
        var leafChanged = project.Build();
        Assert.Equal(["copy"], leafChanged.Ran);
        Assert.Equal(["data", "other"], leafChanged.Skipped);
    }

    [Fact]
    public void A_rerun_with_identical_outputs_does_not_rerun_dependents()
    {
        using var project = new SoarProject(Chain);
        Assert.True(project.Build().Succeeded);
        var contentStamp = Path.Combine(project.OutputRoot, ".stamps", "data.content");
        var stampTime = File.GetLastWriteTimeUtc(contentStamp);

        // A newer parameter stamp forces "data" to rerun without changing what it computes.
        File.SetLastWriteTimeUtc(Path.Combine(project.OutputRoot, ".stamps", "data.params"), DateTime.UtcNow.AddSeconds(5));
        var rebuild = project.Build();

        Assert.True(rebuild.Succeeded, rebuild.ToString());
        Assert.Equal(["data"], rebuild.Ran);
        Assert.Contains("Stage 'data' (curate) done: outputs unchanged", rebuild.Output);
        Assert.Equal(["copy", "other"], rebuild.Skipped);
        Assert.Equal(stampTime, File.GetLastWriteTimeUtc(contentStamp));
    }

    [Fact]
    public void Deleting_an_output_reruns_its_stage_and_restores_it()
    {
        using var project = new SoarProject(Chain);
        Assert.True(project.Build().Succeeded);
        var shard = Directory.GetFiles(project.StageDir("data"), "*.parquet", SearchOption.AllDirectories).First();
        var bytes = File.ReadAllBytes(shard);
        File.Delete(shard);

        var rebuild = project.Build();

        Assert.True(rebuild.Succeeded, rebuild.ToString());
        Assert.Contains($"Stage 'data' (curate): output '{Path.GetRelativePath(project.StageDir("data"), shard)}' is missing; it will rerun.", rebuild.Output);
        Assert.Equal(["data"], rebuild.Ran);
        Assert.Equal(["copy", "other"], rebuild.Skipped);  // the rerun wrote the same bytes
        Assert.Equal(bytes, File.ReadAllBytes(shard));
    }

    [Fact]
    public void Editing_an_output_in_place_reruns_its_stage()
    {
        using var project = new SoarProject(Chain[2]);
        Assert.True(project.Build().Succeeded);
        var file = Path.Combine(project.StageDir("other"), "dataset.json");
        File.AppendAllText(file, " ");

        var rebuild = project.Build();
        Assert.Equal(["other"], rebuild.Ran);
        Assert.Contains("output 'dataset.json' changed size", rebuild.Output);
    }

    [Fact]
    public void Outputs_moved_in_for_an_older_declaration_are_rebuilt_although_newer_than_their_stamps()
    {
        using var project = new SoarProject("""<Stage Include="data" Kind="curate" Count="20" />""");
        Assert.True(project.Build().Succeeded);
        var older = Path.Combine(project.Dir, "count-20");
        CopyFolder(project.StageDir("data"), older);
        project.Write("""<Stage Include="data" Kind="curate" Count="21" />""");
        Assert.Equal(["data"], project.Build().Ran);
        var current = project.ManifestText("data");

        // What a killed build's orphaned run did: move its outputs (for Count=20) in after the new declaration was stamped.
        Directory.Delete(project.StageDir("data"), recursive: true);
        CopyFolder(older, project.StageDir("data"));
        var rebuild = project.Build();

        Assert.True(rebuild.Succeeded, rebuild.ToString());
        Assert.Contains("Stage 'data' (curate): its outputs were built for fingerprint", rebuild.Output);
        Assert.Equal(["data"], rebuild.Ran);
        Assert.Equal(Fingerprint(current), Fingerprint(project.ManifestText("data")));
    }

    [Fact]
    public void A_global_output_root_without_a_trailing_slash_is_up_to_date_on_the_second_build()
    {
        using var project = new SoarProject(Chain[2]);
        var root = Path.Combine(project.Dir, "elsewhere");

        Assert.Equal(["other"], project.Build($"-p:SoarOutputRoot={root}").Ran);
        var second = project.Build($"-p:SoarOutputRoot={root}");

        Assert.True(second.Succeeded, second.ToString());
        Assert.Empty(second.Ran);
        Assert.Equal(["other"], second.Skipped);
        Assert.True(File.Exists(Path.Combine(root, "other", "manifest.json")));
    }

    [Fact]
    public void SoarPrune_deletes_the_folder_of_a_renamed_stage_and_keeps_declared_ones()
    {
        using var project = new SoarProject(Chain[0], Chain[2]);
        Assert.True(project.Build().Succeeded);
        project.Write(Chain[0], Chain[2].Replace("\"other\"", "\"renamed\""));
        Assert.Equal(["renamed"], project.Build().Ran);

        var listed = project.Build("-t:SoarPrune", "-p:SoarPruneDryRun=true");
        Assert.Contains("SoarPrune: would delete stage folder 'other'", listed.Output);
        Assert.True(Directory.Exists(project.StageDir("other")));
        var pruned = project.Build("-t:SoarPrune");

        Assert.True(pruned.Succeeded, pruned.ToString());
        Assert.Contains("SoarPrune: deleted stage folder 'other'", pruned.Output);
        Assert.False(Directory.Exists(project.StageDir("other")));
        Assert.False(File.Exists(Path.Combine(project.OutputRoot, ".stamps", "other.params")));
        Assert.True(File.Exists(project.Manifest("data")));
        Assert.True(File.Exists(project.Manifest("renamed")));
    }

    private static string Fingerprint(string manifest) =>
        System.Text.Json.JsonDocument.Parse(manifest).RootElement.GetProperty("fingerprint").GetString()!;

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
