using System.Text.Json;
using System.Text.RegularExpressions;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>`-p:SoarParallel=N`: independent stages run side by side, with the outputs a sequential build gives.</summary>
[Collection(BuildCollection.Name)]
public sealed partial class ParallelStagesTests(ToolingFixture tooling)
{
    [Fact]
    public void Two_independent_sft_stages_run_side_by_side_with_the_outputs_of_a_sequential_build()
    {
        Assert.NotNull(tooling.SoarDll);
        using var project = new SoarProject(
            """<Stage Include="data" Kind="curate" Count="20" />""",
            """<Stage Include="left" Kind="sft" Upstream="data" Steps="2" BatchSize="8" Threads="1" LogEvery="1" />""",
            """<Stage Include="right" Kind="sft" Upstream="data" Steps="2" BatchSize="8" Threads="1" LogEvery="1" Seed="1" />""");
        var parallel = project.Build("-p:SoarParallel=2", "-m:2");
        Assert.True(parallel.Succeeded, parallel.ToString());
        var sequentialRoot = Path.Combine(project.Dir, ".soar-sequential");
        var sequential = project.Build($"-p:SoarOutputRoot={sequentialRoot}/", "-m:1");
        Assert.True(sequential.Succeeded, sequential.ToString());

        string[] all = ["data", "left", "right"];
        Assert.Equal(all, parallel.Ran.Order());
        Assert.Equal(all, sequential.Ran);
        foreach (var stage in all)
            Assert.Equal(ContentHash(Path.Combine(sequentialRoot, stage, "manifest.json")), ContentHash(project.Manifest(stage)));
        Assert.NotEqual(ContentHash(project.Manifest("left")), ContentHash(project.Manifest("right")));

        foreach (var build in new[] { parallel, sequential })
        {
            Assert.Contains("Soar stages: ran: data, left, right; up to date: none; failed: none; not run (an upstream failed): none", build.Output);
            Assert.Matches(@"Soar stage times: data \d+\.\d s, left \d+\.\d s, right \d+\.\d s", build.Output);
        }
        // Side by side: the second model started before the first finished, and every progress line names its stage.
        Assert.True(parallel.Output.IndexOf("Stage 'right' (sft) running", StringComparison.Ordinal) < parallel.Output.IndexOf("Stage 'left' (sft) done", StringComparison.Ordinal),
            parallel.ToString());
        var steps = StepLine().Matches(parallel.Output).Select(m => m.Value).ToList();
        Assert.Equal(4, steps.Count(l => l.Contains("[left] step", StringComparison.Ordinal) || l.Contains("[right] step", StringComparison.Ordinal)));
        Assert.All(steps, l => Assert.Matches(@"\[(left|right)\] step", l));
    }

    private static string ContentHash(string manifest)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
        return doc.RootElement.GetProperty("contentHash").GetString()!;
    }

    [GeneratedRegex(@"^.*\bstep \d+/2\b.*$", RegexOptions.Multiline)]
    private static partial Regex StepLine();
}
