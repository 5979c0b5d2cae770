using Soar.Core.Stages;
using static Soar.Core.Tests.Stages.StageHarness;

namespace Soar.Core.Tests.Stages;

/// <summary>Parameters the catalog marks "fingerprint": false (logging/progress knobs) never change a stage's output bytes.</summary>
public class UnfingerprintedParameterTests : IDisposable
{
    private readonly StageHarness _h = new();

    [Fact]
    public void The_catalog_marks_the_logging_knobs_of_every_training_kind()
    {
        foreach (var kind in new[] { "sft", "soar", "flow-grpo" })
        {
            var parameters = StageKindCatalog.Default.Get(kind).Parameters;
            Assert.False(parameters["LogEvery"].Fingerprint, kind);
            Assert.False(parameters["CheckpointEvery"].Fingerprint, kind);
            Assert.True(parameters["Steps"].Fingerprint, kind);
        }
    }

    [Fact]
    public void LogEvery_and_CheckpointEvery_leave_the_checkpoint_bytes_unchanged()
    {
        _h.Curate(count: 16);
        _h.Sft("a", Params(("Steps", "3"), ("BatchSize", "4"), ("LogEvery", "1"), ("CheckpointEvery", "1")), "data");
        _h.Sft("b", Params(("Steps", "3"), ("BatchSize", "4"), ("LogEvery", "3"), ("CheckpointEvery", "0")), "data");
        foreach (var file in new[] { "config.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json" })
            Assert.Equal(File.ReadAllBytes(_h.Dir.File($"a/checkpoint/{file}")), File.ReadAllBytes(_h.Dir.File($"b/checkpoint/{file}")));
        Assert.DoesNotContain("LogEvery", File.ReadAllText(_h.Dir.File("a/checkpoint/config.json")));
    }

    [Fact]
    public void BatchSize_larger_than_the_training_rows_is_an_error_naming_both()
    {
        _h.Curate(count: 16);
        var e = Assert.Throws<StageException>(() => _h.Sft("m", Params(("Steps", "1"), ("BatchSize", "64")), "data"));
        Assert.Equal("SOAR2108", e.Code);
        Assert.Contains("BatchSize=64", e.Message);
    }

    public void Dispose() => _h.Dispose();
}
