using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Catalog;

/// <summary>Logging/progress knobs ("fingerprint": false) stay out of the parameter stamp and the fingerprint, so changing one reruns nothing.</summary>
public class UnfingerprintedParameterTests
{
    private static Dictionary<string, string> Given(params (string Key, string Value)[] p) =>
        p.ToDictionary(x => x.Key, x => x.Value, StringComparer.OrdinalIgnoreCase);

    [Theory]
    [InlineData("sft")]
    [InlineData("soar")]
    [InlineData("flow-grpo")]
    public void LogEvery_and_CheckpointEvery_change_neither_stamp_nor_fingerprint(string kindName)
    {
        var kind = KindCatalog.Embedded.Kinds[kindName];
        var a = kind.Resolve(Given(("Steps", "5"), ("LogEvery", "1"), ("CheckpointEvery", "2")));
        var b = kind.Resolve(Given(("Steps", "5"), ("LogEvery", "100")));
        Assert.DoesNotContain("LogEvery", a.Keys);
        Assert.Equal(ParameterStamp.Text(kind.Name, a, ["data"], "1.0", []), ParameterStamp.Text(kind.Name, b, ["data"], "1.0", []));
        Assert.Equal(StageFingerprint.Compute(kind.Name, a, [], "1.0"), StageFingerprint.Compute(kind.Name, b, [], "1.0"));
    }

    [Fact]
    public void A_parameter_that_shapes_outputs_still_changes_the_fingerprint()
    {
        var kind = KindCatalog.Embedded.Kinds["sft"];
        Assert.NotEqual(StageFingerprint.Compute("sft", kind.Resolve(Given(("Steps", "5"))), [], "1.0"),
            StageFingerprint.Compute("sft", kind.Resolve(Given(("Steps", "6"))), [], "1.0"));
    }
}
