using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Incremental;

public class StageFingerprintTests
{
    private static readonly Dictionary<string, string> Params = new() { ["Steps"] = "10", ["Lr"] = "0.1" };
    private static readonly KeyValuePair<string, string>[] Inputs = [KeyValuePair.Create("data", "abc")];
    private static string Base => StageFingerprint.Compute("train", Params, Inputs, "0.1.0");

    [Fact]
    public void Same_inputs_give_the_same_sha256_regardless_of_parameter_order_and_name_case()
    {
        var reordered = new Dictionary<string, string> { ["lr"] = "0.1", ["STEPS"] = "10" };
        Assert.Equal(Base, StageFingerprint.Compute("Train", reordered, Inputs, "0.1.0"));
        Assert.Matches("^[0-9a-f]{64}$", Base);
    }

    [Fact]
    public void Each_ingredient_changes_the_fingerprint()
    {
        var variants = new[]
        {
            StageFingerprint.Compute("data", Params, Inputs, "0.1.0"),
            StageFingerprint.Compute("train", new Dictionary<string, string> { ["Steps"] = "11", ["Lr"] = "0.1" }, Inputs, "0.1.0"),
            StageFingerprint.Compute("train", Params, [KeyValuePair.Create("data", "abd")], "0.1.0"),
            StageFingerprint.Compute("train", Params, [KeyValuePair.Create("other", "abc")], "0.1.0"),
            StageFingerprint.Compute("train", Params, [], "0.1.0"),
            StageFingerprint.Compute("train", Params, Inputs, "0.1.1"),
        };
        Assert.DoesNotContain(Base, variants);
        Assert.Equal(variants.Length, variants.Distinct().Count());
    }

    [Fact]
    public void Tool_version_includes_a_hash_of_existing_tool_files()
    {
        using var temp = new TempFolder();
        var dll = temp.File("soar.dll", "v1");
        var withFile = StageFingerprint.ToolVersion("0.1.0", [dll, Path.Combine(temp.Path, "absent.dll")]);
        Assert.StartsWith("0.1.0+", withFile);
        File.WriteAllText(dll, "v2");
        Assert.NotEqual(withFile, StageFingerprint.ToolVersion("0.1.0", [dll]));
        Assert.Equal("0.1.0", StageFingerprint.ToolVersion("0.1.0", []));
    }
}
