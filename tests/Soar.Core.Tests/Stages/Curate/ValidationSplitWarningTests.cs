using static Soar.Core.Tests.Stages.StageHarness;

namespace Soar.Core.Tests.Stages.Curate;

/// <summary>A dataset too small for its ValidationFraction to put any row in validation says so (eval and sample default to those captions).</summary>
public class ValidationSplitWarningTests : IDisposable
{
    private readonly StageHarness _h = new();

    [Fact]
    public void No_validation_rows_is_warning_SOAR2011()
    {
        _h.Run(new Soar.Core.Stages.Curate.CurateStage(), "data", Params(("Source", "shapes"), ("Count", "4"), ("ValidationFraction", "0.01")));
        Assert.Contains("warning SOAR2011", _h.Log.ToString());
        Assert.Contains("ValidationFraction", _h.Log.ToString());
    }

    [Fact]
    public void A_dataset_with_validation_rows_gives_no_warning()
    {
        _h.Run(new Soar.Core.Stages.Curate.CurateStage(), "data", Params(("Source", "shapes"), ("Count", "60"), ("ValidationFraction", "0.2")));
        Assert.DoesNotContain("SOAR2011", _h.Log.ToString());
    }

    public void Dispose() => _h.Dispose();
}
