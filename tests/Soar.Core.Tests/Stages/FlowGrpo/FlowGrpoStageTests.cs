using System.Text.Json;
using Soar.Core.Models;
using Soar.Core.Stages;
using Soar.Core.Stages.Curate;
using Soar.Core.Stages.Eval;
using Soar.Core.Stages.FlowGrpo;
using Soar.Core.Stages.Soar;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Stages.FlowGrpo;

public class FlowGrpoStageTests : IDisposable
{
    private readonly StageHarness _h = new();

    /// <summary>Parameters in order; a later value overrides an earlier one.</summary>
    private static Dictionary<string, string> Params(params (string Key, string Value)[] p)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in p) d[k] = v;
        return d;
    }

    private static readonly (string, string)[] Quick =
        [("Steps", "2"), ("PromptsPerStep", "2"), ("GroupSize", "2"), ("SdeSteps", "3"), ("Threads", "1"), ("Device", "cpu")];

    /// <summary>A 16 px shapes dataset and a 2-step SFT model on it.</summary>
    private void Base()
    {
        _h.Run(new CurateStage(), "data", Params(("Source", "shapes"), ("Count", "32"), ("ImageSize", "16"), ("ValidationFraction", "0.1")));
        _h.Sft("sft", Params(("Steps", "2"), ("BatchSize", "8"), ("Threads", "1"), ("Device", "cpu")), "data");
    }

    /// <summary>Cancels the run once it has logged a given step, the way a killed worker stops mid-stage.</summary>
    private sealed class StopAfter(int step, CancellationTokenSource cts, TextWriter writer) : IStageLog
    {
        private readonly ConsoleStageLog _inner = new("rl", writer);
        public void Info(string message) => _inner.Info(message);
        public void Warning(string code, string message) => _inner.Warning(code, message);
        public void Progress(int s, int total, IReadOnlyDictionary<string, double> metrics, TimeSpan? eta)
        {
            _inner.Progress(s, total, metrics, eta);
            if (s >= step) cts.Cancel();
        }
    }

    [Fact]
    public void A_stage_killed_mid_run_resumes_and_ends_byte_identical_to_an_unbroken_run()
    {
        Base();
        var p = Params([.. Quick, ("Steps", "5"), ("Reward", "red"), ("CheckpointEvery", "2"), ("EmaDecay", "0.9"), ("EmaWarmup", "true"), ("LogEvery", "1")]);
        _h.Run(new FlowGrpoStage(), "unbroken", p, "sft");
        var resumeDir = _h.Dir.File("resume");
        using (var cts = new CancellationTokenSource())
            Assert.ThrowsAny<OperationCanceledException>(() =>
                _h.Run(new FlowGrpoStage(), "attempt1", p, ["sft"], resumeDir, new StopAfter(3, cts, _h.Log), cts.Token));
        _h.Run(new FlowGrpoStage(), "attempt2", p, ["sft"], resumeDir, null, CancellationToken.None);

        Assert.Contains("at step 2", _h.Log.ToString());
        foreach (var file in new[] { "model.safetensors", "ema.safetensors", "optimizer.safetensors" })
            Assert.Equal(File.ReadAllBytes(_h.Dir.File($"unbroken/checkpoint/{file}")), File.ReadAllBytes(_h.Dir.File($"attempt2/checkpoint/{file}")));
        // The starting model's weights did move: a resume that silently restarted from the base would differ.
        Assert.NotEqual(File.ReadAllBytes(_h.Dir.File("sft/checkpoint/model.safetensors")), File.ReadAllBytes(_h.Dir.File("attempt2/checkpoint/model.safetensors")));
    }

    [Fact]
    public void After_sft_it_writes_a_checkpoint_the_next_stages_load_and_logs_every_step()
    {
        Base();
        var result = _h.Run(new FlowGrpoStage(), "rl", Params([.. Quick, ("Reward", "red")]), "sft");
        Assert.True(double.IsFinite(result.Metrics["final_reward"]));
        Assert.True(result.Metrics["rollout_images_per_s"] > 0);

        using var model = TrainedModel.Load(_h.Dir.File("rl"), CPU);
        Assert.Equal("shapes", model.World);
        Assert.Equal("flow-grpo", model.Config["objective"]!.GetValue<string>());
        Assert.Equal("red", model.Config["reward"]!.GetValue<string>());
        Assert.Equal(["sft", "flow-grpo"], model.Config["lineage"]!.AsArray().Select(e => e!["objective"]!.GetValue<string>()));

        var lines = File.ReadAllLines(_h.Dir.File("rl/logs/metrics.jsonl"));
        Assert.Equal(2, lines.Length);
        var first = JsonDocument.Parse(lines[0]).RootElement;
        foreach (var key in new[] { "reward_mean", "reward_std", "kl", "clip_frac", "entropy", "approx_kl", "zero_std_groups", "rollout_images_per_s" })
            Assert.True(first.TryGetProperty(key, out _), $"metrics.jsonl lacks {key}");

        _h.Sample("samples", Params(("Count", "2"), ("Steps", "2"), ("Device", "cpu")), "rl");
        Assert.True(File.Exists(_h.Dir.File("samples/grid.png")));
    }

    [Fact]
    public void It_follows_a_soar_stage_and_starts_from_its_weights()
    {
        Base();
        _h.Run(new SoarStage(), "soar", Params(("Steps", "1"), ("BatchSize", "4"), ("TrajectoryLength", "1"), ("NumSamplingSteps", "4"), ("Threads", "1"), ("Device", "cpu")), "data", "sft");
        // Learning rate 0: the policy must come out exactly as the soar model went in.
        _h.Run(new FlowGrpoStage(), "rl", Params([.. Quick, ("Reward", "red"), ("LearningRate", "0"), ("WeightDecay", "0")]), "soar", "data");
        Assert.Equal(File.ReadAllBytes(_h.Dir.File("soar/checkpoint/model.safetensors")).Length, File.ReadAllBytes(_h.Dir.File("rl/checkpoint/model.safetensors")).Length);
        using var soar = TrainedModel.Load(_h.Dir.File("soar"), CPU);
        using var rl = TrainedModel.Load(_h.Dir.File("rl"), CPU);
        foreach (var (a, b) in soar.Network.parameters().Zip(rl.Network.parameters())) Assert.True(a.allclose(b, 0, 0));
        var lineage = rl.Config["lineage"]!.AsArray();
        Assert.Equal(["sft", "soar", "flow-grpo"], lineage.Select(e => e!["objective"]!.GetValue<string>()));
        // Each stage's own options travel with the weights: a packaged model says how it was trained.
        var soarOptions = lineage[1]!["options"]!;
        Assert.Equal(1, soarOptions["TrajectoryLength"]!.GetValue<int>());
        Assert.Equal(4, soarOptions["NumSamplingSteps"]!.GetValue<int>());
        Assert.Equal(4.5, soarOptions["CfgScaleSampling"]!.GetValue<double>());
        Assert.Equal(1.0, soarOptions["LambdaAux"]!.GetValue<double>());
        Assert.Equal(1, soarOptions["NumRolloutPaths"]!.GetValue<int>());
        Assert.Equal("diffusers", lineage[2]!["options"]!["schedule"]!.GetValue<string>());
        Assert.Equal(2, lineage[2]!["options"]!["GroupSize"]!.GetValue<int>());
    }

    [Fact]
    public void The_default_reward_is_the_worlds_metric_and_eval_compares_sft_soar_and_flow_grpo()
    {
        Base();
        _h.Run(new SoarStage(), "soar", Params(("Steps", "1"), ("BatchSize", "4"), ("TrajectoryLength", "1"), ("NumSamplingSteps", "4"), ("Threads", "1"), ("Device", "cpu")), "data", "sft");
        var rl = _h.Run(new FlowGrpoStage(), "rl", Params(Quick), "soar");
        Assert.Equal("geneval", rl.Notes["reward"]);
        Assert.InRange(rl.Metrics["final_reward"], 0, 1);
        _h.Run(new EvalStage(), "eval", Params(("PromptsPerTask", "1"), ("SamplesPerPrompt", "1"), ("Steps", "4"), ("DriftSteps", "0.5"), ("DriftSamples", "1"), ("FrechetSamples", "0"), ("Device", "cpu")), "sft", "soar", "rl", "data");
        var metrics = JsonDocument.Parse(File.ReadAllText(_h.Dir.File("eval/metrics.json"))).RootElement;
        Assert.Equal(["sft", "soar", "rl"], metrics.GetProperty("arms").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
    }

    [Fact]
    public void A_reward_that_cannot_tell_images_apart_is_reported_as_collapse_and_stops_the_run()
    {
        Base();
        var script = _h.Dir.File("constant.sh");
        File.WriteAllText(script, "#!/bin/sh\necho 0.5\n");
        var e = Assert.Throws<StageException>(() => _h.Run(new FlowGrpoStage(), "rl",
            Params([.. Quick, ("Steps", "5"), ("Reward", $"command:sh {script}"), ("CollapsePatience", "2"), ("Prompts", "dataset")]), "sft", "data"));
        Assert.Equal("SOAR2512", e.Code);
        Assert.Contains("warning SOAR2511", _h.Log.ToString());
    }

    [Fact]
    public void Bad_settings_are_rejected_with_the_parameter_named()
    {
        Base();
        var e = Assert.Throws<StageException>(() => _h.Run(new FlowGrpoStage(), "rl", Params([.. Quick, ("Reward", "red"), ("MiniBatches", "9")]), "sft"));
        Assert.Equal("SOAR2501", e.Code);
        Assert.Contains("MiniBatches", e.Message);
        var reward = Assert.Throws<StageException>(() => _h.Run(new FlowGrpoStage(), "rl2", Params([.. Quick, ("Reward", "sharpness")]), "sft"));
        Assert.Equal("SOAR2502", reward.Code);
        var prompts = Assert.Throws<StageException>(() => _h.Run(new FlowGrpoStage(), "rl3", Params([.. Quick, ("Reward", "red"), ("Prompts", "a purple dragon")]), "sft"));
        Assert.Equal("SOAR2503", prompts.Code);
        Assert.Contains("a purple dragon", prompts.Message);
        var missing = Assert.Throws<StageException>(() => _h.Run(new FlowGrpoStage(), "rl4", Params([.. Quick, ("Reward", "red")]), "data"));
        Assert.Equal("SOAR1004", missing.Code);
    }

    public void Dispose() => _h.Dispose();
}
