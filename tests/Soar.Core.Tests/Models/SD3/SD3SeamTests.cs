using Soar.Core.Models;
using Soar.Core.Models.SD3;
using Soar.Core.Stages.Curate;
using Soar.Core.Stages.FlowGrpo;
using Soar.Core.Stages.Soar;
using Soar.Core.Tests.Stages;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.SD3;

/// <summary>sd3-tiny through the pipeline's stages: sft (resumed bit-identically), soar, flow-grpo and sample.</summary>
public sealed class SD3SeamTests : IDisposable
{
    private readonly StageHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Sd3_tiny_trains_resumes_post_trains_and_samples()
    {
        var p = StageHarness.Params;
        _h.Run(new CurateStage(), "data", p(("Source", "shapes"), ("Count", "16"), ("ImageSize", "16"), ("ValidationFraction", "0.1")));
        (string, string)[] common = [("Preset", "sd3-tiny"), ("BatchSize", "4"), ("EmaDecay", "0.9"), ("LogEvery", "1"), ("Seed", "5"), ("Threads", "1"), ("Device", "cpu")];
        _h.Sft("full", p([.. common, ("Steps", "2")]), "data");
        _h.Sft("half", p([.. common, ("Steps", "1")]), "data");
        _h.Sft("resumed", p([.. common, ("Steps", "2"), ("ResumeFrom", _h.Dir.File("half"))]), "data");
        foreach (var file in new[] { "model.safetensors", "ema.safetensors", "optimizer.safetensors" })
            Assert.Equal(File.ReadAllBytes(_h.Dir.File($"full/checkpoint/{file}")), File.ReadAllBytes(_h.Dir.File($"resumed/checkpoint/{file}")));
        using (var loaded = TrainedModel.Load(_h.Dir.File("full"), CPU))
        {
            var sd3 = Assert.IsType<SD3FlowModel>(loaded.Network);
            Assert.Contains("transformer.transformer_blocks.0.attn.to_q.weight", sd3.state_dict().Keys);
        }

        _h.Run(new SoarStage(), "soar", p(("Steps", "1"), ("BatchSize", "4"), ("TrajectoryLength", "1"), ("NumSamplingSteps", "4"), ("Threads", "1"), ("Device", "cpu")), "data", "full");
        _h.Run(new FlowGrpoStage(), "rl", p(("Steps", "1"), ("PromptsPerStep", "2"), ("GroupSize", "2"), ("SdeSteps", "2"), ("Reward", "red"), ("Threads", "1"), ("Device", "cpu")), "soar");
        _h.Sample("samples", p(("Count", "2"), ("Steps", "2"), ("Device", "cpu")), "rl");
        Assert.True(File.Exists(_h.Dir.File("samples/grid.png")));
    }
}
