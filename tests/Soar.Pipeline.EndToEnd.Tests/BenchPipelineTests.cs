using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>
/// The benchmark pipeline (pipelines/bench/soar-vs-sft.soarproj) built for real at Scale=smoke: every stage of the
/// shapes world's half of the published comparison runs, in miniature, and its evaluation reports the per-method seed
/// groups. The glyphs half is the same graph on another world: its declarations are resolved and checked by the same
/// build (SoarStages limits what runs, not what is validated), and the glyphs world's eval is covered by the Core tests;
/// building it too would double the suite's slowest test.
/// </summary>
[Collection(BuildCollection.Name)]
public sealed class BenchPipelineTests(ToolingFixture tooling)
{
    private static readonly string Project = Path.Combine(RepoPaths.Root, "pipelines", "bench", "soar-vs-sft.soarproj");
    private static readonly string[] Methods = ["sft", "soar", "sftc", "grpo"];

    [Fact]
    [Trait("Category", "Slow")]
    public void Smoke_scale_runs_every_arm_and_reports_seed_groups_per_world()
    {
        Assert.NotNull(tooling.SoarDll);
        var output = Directory.CreateTempSubdirectory("soar-bench-").FullName;
        try
        {
            // Two stages at a time (one thread each): the smoke stages are mostly process start-up, which one core does alone.
            var first = Build(output, "-p:Scale=smoke", "-p:SoarStages=shapes-eval", "-p:SoarParallel=2", "-m:2");
            Assert.True(first.Succeeded, first.ToString());
            Assert.DoesNotContain(first.Ran, s => s.StartsWith("glyphs-"));
            foreach (var world in new[] { "shapes" })
            {
                var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(output, $"{world}-eval", "metrics.json")))!;
                Assert.Equal(world, metrics["world"]!.GetValue<string>());
                var arms = metrics["arms"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()).ToList();
                Assert.Equal(13, arms.Count); // the base and 4 methods x 3 seeds
                Assert.Equal($"{world}-base", arms[0]);
                // Arm-level numbers (Fréchet, drift) have their groups at the top, the scores per prompt set.
                Assert.Equal(Methods, metrics["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()));
                Assert.Equal(["soar", "sftc", "grpo"], metrics["group_comparisons"]!.AsArray().Select(c => c!["group"]!.GetValue<string>()));
                var sets = metrics["prompt_sets"]!.AsObject();
                Assert.Equal(["in_distribution", "held_out"], sets.Select(kv => kv.Key));
                foreach (var (_, set) in sets)
                {
                    var groups = set!["groups"]!.AsArray();
                    Assert.Equal(Methods, groups.Select(g => g!["name"]!.GetValue<string>()));
                    foreach (var g in groups)
                        Assert.Equal(3, g!["metrics"]![metrics["metric"]!.GetValue<string>()]!["n"]!.GetValue<int>());
                    Assert.Equal(["soar", "sftc", "grpo"], set["group_comparisons"]!.AsArray().Select(c => c!["group"]!.GetValue<string>()));
                }
                // Equal compute: the sftc arms ran ComputeRatio (2 at smoke scale) times the steps of the sft arms.
                var sftc = JsonNode.Parse(File.ReadAllText(Path.Combine(output, $"{world}-sftc-s1", "manifest.json")))!;
                Assert.Equal("2", sftc["parameters"]!["Steps"]!.GetValue<string>());
            }

            var again = Build(output, "-p:Scale=smoke", "-p:SoarStages=shapes-eval");
            Assert.True(again.Succeeded, again.ToString());
            Assert.Empty(again.Ran);
            Assert.Equal(16, again.Skipped.Count); // the base and 4 methods x 3 seeds, 2 curate stages and the eval

            var bad = Build(output, "-p:Scale=huge");
            Assert.False(bad.Succeeded);
            Assert.Contains("SOARBENCH1", bad.Output);
            Assert.Contains("use cpu (default), gpu or smoke", bad.Output);
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    private static BuildResult Build(string outputRoot, params string[] extra)
    {
        var clock = Stopwatch.StartNew();
        var (exit, text) = DotnetBuild.Run(DotnetBuild.StartInfo(RepoPaths.Root,
            ["build", Project, "-nologo", "-v:n", "-nodeReuse:false", $"-p:SoarOutputRoot={outputRoot}/", .. extra]));
        return new BuildResult(exit, text, clock.Elapsed);
    }
}
