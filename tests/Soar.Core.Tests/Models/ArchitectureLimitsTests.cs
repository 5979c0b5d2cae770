using Soar.Core.Models;
using Soar.Core.Models.DiT;

namespace Soar.Core.Tests.Models;

public sealed class ArchitectureLimitsTests
{
    private const string ConfigPath = "/models/x/checkpoint/config.json";
    private const double SixtyFourGb = 64e9;

    private static ArchitectureLimits.Numbers Of(DiTConfig c) =>
        new(c.ImageSize, c.Channels, c.PatchSize, c.HiddenSize, c.Depth, c.Heads, c.MlpRatio, c.TextLayers, c.VocabSize, c.MaxTokens);

    // An SD3.5-Medium-sized transformer: hidden 1536, depth 24, 24 heads, a 24-layer caption encoder.
    private static readonly ArchitectureLimits.Numbers Sd35Medium = new(128, 3, 2, 1536, 24, 24, 4.0, 24, 32128, 256);

    private static DiTConfig Preset(string preset, int imageSize = 32) => (DiTConfig)ModelRegistry.FromPreset(preset, imageSize, 57, 24, 1.0);

    [Theory]
    [InlineData("tiny", 32)]
    [InlineData("small", 16)]
    [InlineData("base", 32)]
    [InlineData("dit2-tiny", 16)]
    public void The_parameter_estimate_is_the_real_models_count(string preset, int imageSize)
    {
        var config = Preset(preset, imageSize) with { MlpRatio = 3.5, TextLayers = 3 };
        using var model = ModelRegistry.Create(config);

        var estimate = ArchitectureLimits.Check(ConfigPath, Of(config), SixtyFourGb);

        Assert.Equal(model.ParameterCount(), (long)estimate.Parameters);
        Assert.True(estimate.ParameterBytes >= 4.0 * model.ParameterCount());
        Assert.True(estimate.ActivationBytes > 0);
    }

    [Fact]
    public void An_sd35_medium_sized_architecture_passes()
    {
        var estimate = ArchitectureLimits.Check(ConfigPath, Sd35Medium, SixtyFourGb);
        Assert.InRange(estimate.Parameters, 1.5e9, 3e9);
    }

    [Theory]
    [InlineData("Depth", 1_000_000_000)]
    [InlineData("HiddenSize", 1_000_000_000)]
    [InlineData("Heads", 0)]
    [InlineData("VocabSize", int.MaxValue)]
    [InlineData("MaxTokens", -1)]
    [InlineData("ImageSize", 1_000_000)]
    public void A_field_out_of_bounds_is_refused_naming_the_file_field_value_and_bound(string field, int value)
    {
        var numbers = field switch
        {
            "Depth" => Sd35Medium with { Depth = value },
            "HiddenSize" => Sd35Medium with { HiddenSize = value },
            "Heads" => Sd35Medium with { Heads = value },
            "VocabSize" => Sd35Medium with { VocabSize = value },
            "MaxTokens" => Sd35Medium with { MaxTokens = value },
            _ => Sd35Medium with { ImageSize = value },
        };

        var e = Assert.Throws<InvalidDataException>(() => ArchitectureLimits.Check(ConfigPath, numbers, SixtyFourGb));

        Assert.StartsWith(ConfigPath + ": ", e.Message);
        Assert.Contains($"\"{field}\" is {value}, outside the bounds [", e.Message);
    }

    [Fact]
    public void A_non_finite_mlp_ratio_is_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => ArchitectureLimits.Check(ConfigPath, Sd35Medium with { MlpRatio = double.NaN }, SixtyFourGb));
        Assert.Contains("\"MlpRatio\" is NaN", e.Message);
    }

    [Fact]
    public void Fields_within_bounds_whose_product_is_too_big_are_refused_with_the_estimate_and_the_limit()
    {
        var huge = Sd35Medium with { HiddenSize = 16384, Depth = 256, Heads = 128 };

        var e = Assert.Throws<InvalidDataException>(() => ArchitectureLimits.Check(ConfigPath, huge, SixtyFourGb));

        Assert.Contains(ConfigPath, e.Message);
        Assert.Contains("needs an estimated ", e.Message);
        Assert.Contains("over the limit 64 GB", e.Message);
        Assert.Contains(ArchitectureLimits.MaxModelGbVariable, e.Message);
    }

    [Fact]
    public void The_limit_comes_from_the_environment_variable_when_set()
    {
        var tiny = Of(Preset("tiny"));
        var previous = Environment.GetEnvironmentVariable(ArchitectureLimits.MaxModelGbVariable);
        try
        {
            Environment.SetEnvironmentVariable(ArchitectureLimits.MaxModelGbVariable, "0.001");
            var e = Assert.Throws<InvalidDataException>(() => ArchitectureLimits.Check(ConfigPath, tiny));
            Assert.Contains($"over the limit 0 GB ({ArchitectureLimits.MaxModelGbVariable}=0.001)", e.Message);

            Environment.SetEnvironmentVariable(ArchitectureLimits.MaxModelGbVariable, "100");
            Assert.True(ArchitectureLimits.Check(ConfigPath, Sd35Medium).Parameters > 1e9);

            Environment.SetEnvironmentVariable(ArchitectureLimits.MaxModelGbVariable, "lots");
            Assert.Contains("not a positive number", Assert.Throws<InvalidDataException>(() => ArchitectureLimits.Check(ConfigPath, tiny)).Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ArchitectureLimits.MaxModelGbVariable, previous);
        }
    }

    [Fact]
    public void Without_the_variable_the_limit_is_this_machines_memory()
    {
        var previous = Environment.GetEnvironmentVariable(ArchitectureLimits.MaxModelGbVariable);
        try
        {
            Environment.SetEnvironmentVariable(ArchitectureLimits.MaxModelGbVariable, null);
            var tooBig = Sd35Medium with { HiddenSize = 16384, Depth = 256, Heads = 128 };
            Assert.Contains("this machine's memory", Assert.Throws<InvalidDataException>(() => ArchitectureLimits.Check(ConfigPath, tooBig)).Message);
            Assert.True(ArchitectureLimits.Check(ConfigPath, Of(Preset("tiny"))).Parameters > 0);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ArchitectureLimits.MaxModelGbVariable, previous);
        }
    }
}
