using Soar.Core.Data;
using Soar.Core.Imaging;
using Soar.Core.Stages;
using static Soar.Core.Tests.Stages.StageHarness;

namespace Soar.Core.Tests.Stages;

public class SampleStageTests : IDisposable
{
    private readonly StageHarness _h = new();

    [Fact]
    public void Samples_are_written_deterministically_with_a_grid()
    {
        _h.Curate(count: 32);
        _h.Sft("model", Params(("Steps", "2"), ("BatchSize", "8")), "data");
        var p = Params(("Count", "5"), ("Steps", "3"), ("Cfg", "2.0"), ("Prompts", "heldout"));
        _h.Sample("a", p, "model");
        _h.Sample("b", p, "model");
        for (int i = 0; i < 5; i++)
            Assert.Equal(File.ReadAllBytes(_h.Dir.File($"a/samples/{i:0000}.png")), File.ReadAllBytes(_h.Dir.File($"b/samples/{i:0000}.png")));
        var grid = ImageCodec.Decode(File.ReadAllBytes(_h.Dir.File("a/grid.png")), "grid");
        Assert.True(grid.Width > 5 * 32 - 1);
        Assert.Equal(5, File.ReadAllLines(_h.Dir.File("a/samples.jsonl")).Length);
    }

    [Fact]
    public void Unknown_word_in_a_prompt_is_a_clear_error()
    {
        _h.Curate(count: 16);
        _h.Sft("model", Params(("Steps", "1"), ("BatchSize", "4")), "data");
        var e = Assert.Throws<StageException>(() => _h.Sample("s", Params(("Prompts", "a photo of a zebra")), "model"));
        Assert.Contains("'zebra'", e.Message);
    }

    public void Dispose() => _h.Dispose();
}
