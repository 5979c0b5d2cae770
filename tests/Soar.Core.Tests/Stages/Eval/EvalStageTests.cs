using System.Text.Json.Nodes;
using Soar.Core.Imaging;
using Soar.Core.Stages;
using Soar.Core.Stages.Eval;
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
        ("PromptsPerTask", "1"), ("SamplesPerPrompt", "2"), ("Steps", "4"), ("Cfg", "2.0"), ("DriftSteps", "0.5"),
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
        foreach (var arm in arms)
        {
            var overall = arm!["geneval"]!;
            Assert.Equal(12, overall["n"]!.GetValue<int>()); // 6 families x 1 prompt x 2 samples
            double mean = overall["mean"]!.GetValue<double>();
            var ci = overall["ci95"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            Assert.InRange(mean, ci[0] - 1e-12, ci[1] + 1e-12);
            Assert.Equal(TaskFamily.GenEval.Order(), arm["tasks"]!.AsObject().Select(t => t.Key).Order());
            var drift = Assert.Single(arm["drift"]!.AsArray())!;
            Assert.Equal(2, drift["step"]!.GetValue<int>());
            Assert.Equal(6, drift["image_distance"]!["n"]!.GetValue<int>());
            Assert.True(drift["image_distance"]!["mean"]!.GetValue<double>() > 0, "the perturbation must change the final images");
            Assert.Equal(12, arm["frechet"]!["n_generated"]!.GetValue<int>());
            Assert.Contains("not comparable to FID", arm["frechet"]!["note"]!.GetValue<string>());
        }
        var comparison = Assert.Single(metrics["comparisons"]!.AsArray())!;
        Assert.Equal("sft", comparison["baseline"]!.GetValue<string>());
        Assert.Equal(result.Metrics["longer.geneval"] - result.Metrics["sft.geneval"], comparison["difference"]!.GetValue<double>(), 12);

        var grid = ImageCodec.Decode(File.ReadAllBytes(_h.Dir.File("eval/grids/sft/counting.png")), "grid");
        Assert.Equal(2 * 32 + 3 * 2, grid.Width);
        Assert.True(File.Exists(_h.Dir.File("eval/grids/longer/drift-step02.png")));
        Assert.True(File.Exists(_h.Dir.File($"eval/{EvalStage.FeatureNetworkFile}")));
        var html = File.ReadAllText(_h.Dir.File("eval/report.html"));
        Assert.Contains("Paired differences", html);
        Assert.Contains("Drift recovery", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.DoesNotContain("src=\"grids/", html); // self-contained
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
        var comparison = Assert.Single(metrics["comparisons"]!.AsArray())!;
        Assert.Equal(0.0, comparison["difference"]!.GetValue<double>());
        Assert.Equal(File.ReadAllBytes(_h.Dir.File("eval/grids/m/text.png")), File.ReadAllBytes(_h.Dir.File("eval/grids/copy/text.png")));
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
        var arm = metrics["arms"]![0]!;
        Assert.True(arm["frechet"]!["distance"]!.GetValue<double>() >= 0);
        var drift = Assert.Single(arm["drift"]!.AsArray())!;
        Assert.Null(drift["clean"]);
        Assert.True(drift["image_distance"]!["mean"]!.GetValue<double>() > 0);
        Assert.True(File.Exists(_h.Dir.File("eval/grids/m/prompt-000.png")));
        var html = File.ReadAllText(_h.Dir.File("eval/report.html"));
        Assert.Contains("a bright thing", html);
        Assert.Contains("a dark thing", html);
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
        var groups = metrics["groups"]!.AsArray();
        Assert.Equal(["short", "longer"], groups.Select(g => g!["name"]!.GetValue<string>()));
        var armScore = metrics["arms"]!.AsArray().ToDictionary(a => a!["name"]!.GetValue<string>(), a => a!["geneval"]!["mean"]!.GetValue<double>());
        var shortScore = groups[0]!["metrics"]!["geneval"]!;
        Assert.Equal((armScore["a1"] + armScore["a2"]) / 2, shortScore["mean"]!.GetValue<double>(), 12);
        Assert.Equal([armScore["a1"], armScore["a2"]], shortScore["per_arm"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal(2, shortScore["n"]!.GetValue<int>());
        Assert.NotNull(groups[1]!["metrics"]!["frechet"]);
        Assert.NotNull(groups[1]!["metrics"]!["drift.step2.image_distance"]);
        var diff = Assert.Single(metrics["group_comparisons"]!.AsArray())!;
        Assert.Equal("short", diff["baseline"]!.GetValue<string>());
        double expected = (armScore["b1"] + armScore["b2"] - armScore["a1"] - armScore["a2"]) / 2;
        Assert.Equal(expected, diff["metrics"]!["geneval"]!["difference"]!.GetValue<double>(), 12);
        Assert.Equal((armScore["b1"] + armScore["b2"]) / 2, result.Metrics["group.longer.geneval"], 12);
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
