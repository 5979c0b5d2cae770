using Soar.Core.Checkpoints;
using Soar.Core.Imaging;
using Soar.Core.Stages;
using static Soar.Core.Tests.Stages.StageHarness;

namespace Soar.Core.Tests.Stages;

/// <summary>ValidationEvery: grids of fixed prompts during training, in logs/ and TensorBoard, without changing the weights.</summary>
public class ValidationSamplesTests : IDisposable
{
    private readonly StageHarness _h = new();

    [Fact]
    public void Grids_are_written_every_n_steps_and_the_weights_equal_a_run_without_them()
    {
        _h.Curate(count: 32);
        var common = new[] { ("Preset", "unet-tiny"), ("Steps", "4"), ("BatchSize", "8"), ("EmaDecay", "0.9"), ("Seed", "2") };
        _h.Sft("plain", Params(common), "data");
        _h.Sft("watched", Params([.. common, ("ValidationEvery", "2")]), "data");

        var folder = _h.Dir.File("watched/logs/validation");
        Assert.Equal(["step-000002.png", "step-000004.png"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        var gridPath = Path.Combine(folder, "step-000004.png");
        var grid = ImageCodec.Decode(File.ReadAllBytes(gridPath), gridPath);
        // 8 prompts of the shapes world, each 32 px upscaled to 96 px, in one row, with three label lines under it.
        Assert.Equal(8 * 96 + 9 * 2, grid.Width);
        Assert.True(grid.Height > 96 + 2 * 2, $"grid height {grid.Height}: no room for labels");
        var events = Directory.GetFiles(_h.Dir.File("watched/logs"), "events.out.tfevents.*").Single();
        Assert.Contains("validation/samples", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(events)));
        Assert.Contains("validation images every 2 steps: 8 prompts", _h.Log.ToString());

        foreach (var file in new[] { CheckpointLayout.Model, CheckpointLayout.Ema })
            Assert.Equal(File.ReadAllBytes(_h.Dir.File($"plain/checkpoint/{file}")), File.ReadAllBytes(_h.Dir.File($"watched/checkpoint/{file}")));
        Assert.False(Directory.Exists(_h.Dir.File("plain/logs/validation")));
    }

    public void Dispose() => _h.Dispose();
}
