using Soar.Core.Stages;
using Soar.Core.Stages.Soar;
using static Soar.Core.Tests.Stages.StageHarness;

namespace Soar.Core.Tests.Stages;

public class SoarStageTests : IDisposable
{
    private readonly StageHarness _h = new();

    [Fact]
    public void Lambda_zero_reproduces_the_sft_stage_bit_for_bit()
    {
        _h.Curate(count: 48);
        var common = new[] { ("Steps", "4"), ("BatchSize", "8"), ("Seed", "9"), ("EmaDecay", "0.5") };
        _h.Sft("sft", Params(common), "data");
        _h.Run(new SoarStage(), "soar", Params([.. common, ("LambdaAux", "0")]), "data");
        foreach (var file in new[] { "model.safetensors", "ema.safetensors", "optimizer.safetensors" })
            Assert.Equal(File.ReadAllBytes(_h.Dir.File($"sft/checkpoint/{file}")), File.ReadAllBytes(_h.Dir.File($"soar/checkpoint/{file}")));
    }

    [Fact]
    public void Soar_post_trains_an_sft_base_and_logs_its_diagnostics()
    {
        _h.Curate(count: 48);
        _h.Sft("base", Params(("Steps", "3"), ("BatchSize", "8")), "data");
        var result = _h.Run(new SoarStage(), "soar", Params(("Steps", "3"), ("BatchSize", "4"), ("TrajectoryLength", "2"), ("NumRolloutPaths", "2"), ("LogEvery", "1")), "data", "base");
        Assert.True(double.IsFinite(result.Metrics["final_loss"]));
        var first = System.Text.Json.JsonDocument.Parse(File.ReadLines(_h.Dir.File("soar/logs/metrics.jsonl")).First()).RootElement;
        foreach (var key in new[] { "loss", "loss_main", "loss_aux", "aux_points_per_sample", "deviation" })
            Assert.True(first.TryGetProperty(key, out _), $"metrics.jsonl lacks {key}");
        Assert.Contains("starting from 'base'", _h.Log.ToString());
    }

    [Fact]
    public void Bad_rollout_type_is_rejected_with_the_parameter_named()
    {
        _h.Curate(count: 16);
        var e = Assert.Throws<StageException>(() => _h.Run(new SoarStage(), "soar", Params(("RolloutType", "euler")), "data"));
        Assert.Contains("RolloutType", e.Message);
    }

    public void Dispose() => _h.Dispose();
}
