using System.Text.Json.Nodes;
using Soar.Core.Imaging;
using Soar.Core.Stages;
using Soar.Core.Stages.Eval;
using Soar.Core.Training;
using Soar.Core.Worlds;

namespace Soar.Core.Tests.Stages.Eval;

public class EvalStageTests : IDisposable
{
    private readonly StageHarness _h = new();

    /// <summary>Later entries override earlier ones, so a test can adjust the small defaults.</summary>
    private static Dictionary<string, string> Params(params (string Key, string Value)[] p)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in p) d[k] = v;
        return d;
    }

    private static readonly (string, string)[] Small =
    [
        ("PromptsPerTask", "1"), ("InDistributionPrompts", "6"), ("SamplesPerPrompt", "2"), ("Steps", "4"), ("Cfg", "2.0"), ("DriftSteps", "0.5"),
        ("DriftSamples", "1"), ("FrechetSamples", "24"), ("FeatureSteps", "8"),
    ];

    [Fact]
    [Trait("Category", "Slow")]
    public void Two_arms_on_shapes_give_metrics_grids_and_a_comparison_report()
    {
        _h.Curate(count: 48);
        _h.Sft("sft", Params(("Steps", "2"), ("BatchSize", "8")), "data");
        _h.Sft("longer", Params(("Steps", "3"), ("BatchSize", "8"), ("Seed", "1")), "data");
        // 12 Fréchet samples: the Fréchet images are most of each arm's sampling, and 12 show the count as well as 24.
        var result = _h.Run(new EvalStage(), "eval", Params([.. Small, ("FrechetSamples", "12")]), "sft", "longer", "data");

        var metrics = JsonNode.Parse(File.ReadAllText(_h.Dir.File("eval/metrics.json")))!;
        Assert.Equal("shapes", metrics["world"]!.GetValue<string>());
        Assert.Equal("geneval", metrics["metric"]!.GetValue<string>());
        var arms = metrics["arms"]!.AsArray();
        Assert.Equal(["sft", "longer"], arms.Select(a => a!["name"]!.GetValue<string>()));
        var heldOut = metrics["prompt_sets"]!["held_out"]!;
        foreach (var scored in heldOut["arms"]!.AsArray())
        {
            var overall = scored!["geneval"]!;
            Assert.Equal(10, overall["n"]!.GetValue<int>()); // 5 families with held-out compositions x 1 prompt x 2 samples
            double mean = overall["mean"]!.GetValue<double>();
            var ci = overall["ci95"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            Assert.InRange(mean, ci[0] - 1e-12, ci[1] + 1e-12);
            Assert.Equal(TaskFamily.GenEval.Where(f => f != TaskFamily.SingleObject).Order(), scored["tasks"]!.AsObject().Select(t => t.Key).Order());
        }
        Assert.Equal("held_out", metrics["drift_prompt_set"]!.GetValue<string>());
        foreach (var arm in arms)
        {
            Assert.Equal(10 + 12, arm!["images"]!.GetValue<int>());
            var drift = Assert.Single(arm["drift"]!.AsArray())!;
            Assert.Equal(2, drift["step"]!.GetValue<int>());
            Assert.Equal(5, drift["image_distance"]!["n"]!.GetValue<int>());
            Assert.True(drift["image_distance"]!["mean"]!.GetValue<double>() > 0, "the perturbation must change the final images");
            Assert.Equal(12, arm["frechet"]!["n_generated"]!.GetValue<int>());
            Assert.Contains("not comparable to FID", arm["frechet"]!["note"]!.GetValue<string>());
        }
        var comparison = Assert.Single(heldOut["comparisons"]!.AsArray())!;
        Assert.Equal("sft", comparison["baseline"]!.GetValue<string>());
        Assert.Equal(result.Metrics["longer.held_out.geneval"] - result.Metrics["sft.held_out.geneval"], comparison["difference"]!.GetValue<double>(), 12);

        var grid = ImageCodec.Decode(File.ReadAllBytes(_h.Dir.File("eval/grids/sft/held_out/counting.png")), "grid");
        // Two samples a row, each 32 px upscaled 3x (ReadableScale to 96 px), with 3 px padding.
        Assert.Equal(2 * 96 + 3 * 3, grid.Width);
        Assert.True(File.Exists(_h.Dir.File("eval/grids/longer/drift-step02.png")));
        Assert.True(File.Exists(_h.Dir.File($"eval/{EvalStage.FeatureNetworkFile}")));
        var html = File.ReadAllText(_h.Dir.File("eval/report.html"));
        Assert.Contains("Paired differences", html);
        Assert.Contains("Drift recovery", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.DoesNotContain("src=\"grids/", html); // self-contained

        // Where the time went, for the bench's breakdown: every phase of both arms summed by name.
        Assert.Equal(["drift", "feature_network", "frechet", "real_images", "report", "sampling", "scoring"], result.Phases.Seconds.Keys);
        Assert.All(result.Phases.Seconds.Values, s => Assert.True(s >= 0));
    }

    [Fact]
    public void Both_prompt_sets_are_scored_per_task_with_intervals_and_a_rerun_reproduces_them()
    {
        _h.Curate(count: 48);
        _h.Sft("m", Params(("Steps", "2"), ("BatchSize", "8")), "data");
        _h.Sft("n", Params(("Steps", "2"), ("BatchSize", "8"), ("Seed", "1")), "data");
        var parameters = Params([.. Small, ("InDistributionPrompts", "12"), ("SamplesPerPrompt", "1"), ("DriftSamples", "0"), ("FrechetSamples", "0")]);
        var result = _h.Run(new EvalStage(), "eval", parameters, "m", "n", "data");

        var metrics = JsonNode.Parse(File.ReadAllText(_h.Dir.File("eval/metrics.json")))!;
        var sets = metrics["prompt_sets"]!.AsObject();
        Assert.Equal(["in_distribution", "held_out"], sets.Select(kv => kv.Key));
        var expectedTasks = new Dictionary<string, (int Prompts, string[] Tasks)>
        {
            ["in_distribution"] = (12, TaskFamily.GenEval.ToArray()), // 2 fresh training captions per task
            ["held_out"] = (5, TaskFamily.GenEval.Where(f => f != TaskFamily.SingleObject).ToArray()), // PromptsPerTask=1
        };
        foreach (var (name, (prompts, tasks)) in expectedTasks)
        {
            var set = sets[name]!;
            Assert.Equal(prompts, set["prompts"]!.GetValue<int>());
            Assert.Equal(tasks.Order(), set["tasks"]!.AsArray().Select(t => t!.GetValue<string>()).Order());
            foreach (var arm in set["arms"]!.AsArray())
            {
                Assert.Equal(prompts, arm!["geneval"]!["n"]!.GetValue<int>());
                Assert.Equal(result.Metrics[$"{arm["name"]}.{name}.geneval"], arm["geneval"]!["mean"]!.GetValue<double>(), 12);
                var perTask = arm["tasks"]!.AsObject();
                Assert.Equal(tasks.Order(), perTask.Select(t => t.Key).Order());
                foreach (var (_, score) in perTask)
                {
                    Assert.Equal(prompts / tasks.Length, score!["n"]!.GetValue<int>());
                    var ci = score["ci95"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
                    Assert.InRange(score["mean"]!.GetValue<double>(), ci[0], ci[1]);
                }
            }
            var comparison = Assert.Single(set["comparisons"]!.AsArray())!;
            Assert.Equal("m", comparison["baseline"]!.GetValue<string>());
            Assert.True(comparison["paired"]!.GetValue<bool>());
        }
        Assert.Equal(2 * (12 + 5), (int)result.Metrics["images"]);

        // The in-distribution captions are the world's training draws on the eval seed's own stream, recorded in the manifest.
        long stream = (long)SplitMix64.Derive(0, InDistributionPrompts.Stream, 0);
        Assert.Equal(stream, result.Seeds["in_distribution_prompts"]);
        var drawn = InDistributionPrompts.Draw(new ShapesWorld(), 12, stream, 32, _ => true, "test").Prompts;
        var html = File.ReadAllText(_h.Dir.File("eval/report.html"));
        Assert.All(drawn, p => Assert.Contains(p.Caption, html));
        Assert.Contains("Per task: in_distribution", html);
        Assert.Contains("Per task: held_out", html);
        Assert.True(File.Exists(_h.Dir.File("eval/grids/n/in_distribution/single_object.png")));

        // Every draw comes from the seed: a second run writes the same scores and images.
        _h.Run(new EvalStage(), "again", parameters, "m", "n", "data");
        var again = JsonNode.Parse(File.ReadAllText(_h.Dir.File("again/metrics.json")))!.AsObject();
        foreach (var json in new[] { again, metrics.AsObject() }) { json.Remove("stage"); json.Remove("grids"); }
        Assert.Equal(metrics.ToJsonString(), again.ToJsonString());
        Assert.Equal(File.ReadAllBytes(_h.Dir.File("eval/grids/m/in_distribution/counting.png")), File.ReadAllBytes(_h.Dir.File("again/grids/m/in_distribution/counting.png")));
    }

    [Fact]
    public void Same_noise_for_every_arm_makes_one_checkpoint_twice_score_identically()
    {
        _h.Curate(count: 32, world: "glyphs");
        _h.Sft("m", Params(("Steps", "2"), ("BatchSize", "8")), "data");
        Directory.CreateDirectory(_h.Dir.File("copy"));
        CopyFolder(_h.Dir.File("m"), _h.Dir.File("copy"));
        _h.Run(new EvalStage(), "eval", Params([.. Small, ("PromptsPerTask", "2"), ("FrechetSamples", "0"), ("DriftMode", "coarse")]), "m", "copy");
        var metrics = JsonNode.Parse(File.ReadAllText(_h.Dir.File("eval/metrics.json")))!;
        Assert.Equal("ocr", metrics["metric"]!.GetValue<string>());
        foreach (var set in new[] { "in_distribution", "held_out" })
        {
            var comparison = Assert.Single(metrics["prompt_sets"]![set]!["comparisons"]!.AsArray())!;
            Assert.Equal(0.0, comparison["difference"]!.GetValue<double>());
            Assert.Equal(File.ReadAllBytes(_h.Dir.File($"eval/grids/m/{set}/text.png")), File.ReadAllBytes(_h.Dir.File($"eval/grids/copy/{set}/text.png")));
        }
        Assert.Null(metrics["arms"]![0]!["frechet"]);
    }

    [Fact]
    public void Custom_data_gets_distance_grids_per_prompt_and_drift_as_image_distance()
    {
        var source = _h.Dir.File("photos");
        Directory.CreateDirectory(source);
        var world = new ShapesWorld();
        var lines = new List<string>();
        int i = 0;
        foreach (var sample in world.Sample(4, 40, 32))
        {
            ImageCodec.SavePng(sample.Image, Path.Combine(source, $"{i}.png"));
            lines.Add($"{{\"file_name\": \"{i}.png\", \"caption\": \"{(i % 2 == 0 ? "a bright thing" : "a dark thing")}\"}}");
            i++;
        }
        File.WriteAllLines(Path.Combine(source, "metadata.jsonl"), lines);
        _h.Run(new Soar.Core.Stages.Curate.CurateStage(), "data", Params(("Source", source), ("ImageSize", "32"), ("ValidationFraction", "0.2")));
        _h.Sft("m", Params(("Steps", "2"), ("BatchSize", "8")), "data");
        _h.Run(new EvalStage(), "eval", Params([.. Small, ("PromptsPerTask", "0")]), "m", "data");

        var metrics = JsonNode.Parse(File.ReadAllText(_h.Dir.File("eval/metrics.json")))!;
        Assert.Equal("custom", metrics["world"]!.GetValue<string>());
        Assert.Null(metrics["metric"]);
        // Custom data: in_distribution is the validation captions, and there are no held-out compositions.
        Assert.Equal(["in_distribution"], metrics["prompt_sets"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal("in_distribution", metrics["drift_prompt_set"]!.GetValue<string>());
        Assert.Contains("no held-out compositions", _h.Log.ToString());
        var arm = metrics["arms"]![0]!;
        Assert.True(arm["frechet"]!["distance"]!.GetValue<double>() >= 0);
        var drift = Assert.Single(arm["drift"]!.AsArray())!;
        Assert.Null(drift["clean"]);
        Assert.True(drift["image_distance"]!["mean"]!.GetValue<double>() > 0);
        Assert.True(File.Exists(_h.Dir.File("eval/grids/m/in_distribution/prompt-000.png")));
        var html = File.ReadAllText(_h.Dir.File("eval/report.html"));
        Assert.Contains("a bright thing", html);
        Assert.Contains("a dark thing", html);
        // The dataset's own images sit beside the generated ones.
        Assert.Contains("<th>real (dataset)</th>", html);
        Assert.Contains("the dataset&#39;s image", html);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Groups_average_their_arms_with_t_intervals_and_welch_differences()
    {
        _h.Curate(count: 32);
        foreach (var (name, steps, seed) in new[] { ("a1", "1", "1"), ("a2", "1", "2"), ("b1", "2", "1"), ("b2", "2", "2") })
            _h.Sft(name, Params(("Steps", steps), ("BatchSize", "4"), ("Seed", seed)), "data");
        var result = _h.Run(new EvalStage(), "eval", Params([.. Small, ("FrechetSamples", "8"), ("Groups", "short=a1,a2|longer=b1,b2")]), "a1", "a2", "b1", "b2", "data");

        var metrics = JsonNode.Parse(File.ReadAllText(_h.Dir.File("eval/metrics.json")))!;
        // Arm-level numbers (Fréchet, drift) at the top; the scores per prompt set, each with its own groups.
        var groups = metrics["groups"]!.AsArray();
        Assert.Equal(["short", "longer"], groups.Select(g => g!["name"]!.GetValue<string>()));
        Assert.NotNull(groups[1]!["metrics"]!["frechet"]);
        Assert.NotNull(groups[1]!["metrics"]!["drift.step2.image_distance"]);
        Assert.Null(groups[1]!["metrics"]!["geneval"]);
        Assert.Equal(["longer"], metrics["group_comparisons"]!.AsArray().Select(c => c!["group"]!.GetValue<string>()));
        foreach (var set in new[] { "in_distribution", "held_out" })
        {
            var scores = metrics["prompt_sets"]![set]!;
            var setGroups = scores["groups"]!.AsArray();
            Assert.Equal(["short", "longer"], setGroups.Select(g => g!["name"]!.GetValue<string>()));
            var armScore = scores["arms"]!.AsArray().ToDictionary(a => a!["name"]!.GetValue<string>(), a => a!["geneval"]!["mean"]!.GetValue<double>());
            var shortScore = setGroups[0]!["metrics"]!["geneval"]!;
            Assert.Equal((armScore["a1"] + armScore["a2"]) / 2, shortScore["mean"]!.GetValue<double>(), 12);
            Assert.Equal([armScore["a1"], armScore["a2"]], shortScore["per_arm"]!.AsArray().Select(v => v!.GetValue<double>()));
            Assert.Equal(2, shortScore["n"]!.GetValue<int>());
            Assert.NotNull(setGroups[1]!["metrics"]!["task.counting"]);
            var diff = Assert.Single(scores["group_comparisons"]!.AsArray())!;
            Assert.Equal("short", diff["baseline"]!.GetValue<string>());
            double expected = (armScore["b1"] + armScore["b2"] - armScore["a1"] - armScore["a2"]) / 2;
            Assert.Equal(expected, diff["metrics"]!["geneval"]!["difference"]!.GetValue<double>(), 12);
            Assert.Equal((armScore["b1"] + armScore["b2"]) / 2, result.Metrics[$"group.longer.{set}.geneval"], 12);
        }
        Assert.Contains("Groups (mean over training seeds)", File.ReadAllText(_h.Dir.File("eval/report.html")));

        var unknown = Assert.Throws<StageException>(() => _h.Run(new EvalStage(), "eval2", Params([.. Small, ("Groups", "x=a1,zz")]), "a1", "a2"));
        Assert.Equal("SOAR2407", unknown.Code);
        Assert.Contains("'zz'", unknown.Message);
        var malformed = Assert.Throws<StageException>(() => _h.Run(new EvalStage(), "eval3", Params([.. Small, ("Groups", "a1,a2")]), "a1", "a2"));
        Assert.Contains("name=arm,arm", malformed.Message);
    }

    [Fact]
    public void Bad_settings_are_clear_errors()
    {
        _h.Curate(count: 16);
        var none = Assert.Throws<StageException>(() => _h.Run(new EvalStage(), "eval", Params(Small), "data"));
        Assert.Equal("SOAR2401", none.Code);
        _h.Sft("m", Params(("Steps", "1"), ("BatchSize", "4")), "data");
        var drift = Assert.Throws<StageException>(() => _h.Run(new EvalStage(), "eval", Params([.. Small, ("DriftSamples", "3")]), "m"));
        Assert.Equal("SOAR2402", drift.Code);
        Assert.Contains("SamplesPerPrompt", drift.Message);
        var step = Assert.Throws<StageException>(() => _h.Run(new EvalStage(), "eval", Params([.. Small, ("DriftSteps", "9")]), "m"));
        Assert.Contains("1..3", step.Message);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public void Dispose() => _h.Dispose();
}
