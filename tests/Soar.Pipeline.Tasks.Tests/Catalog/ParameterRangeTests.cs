using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Catalog;

/// <summary>Values are validated in the range the worker reads them in, and training rates have an upper bound.</summary>
public class ParameterRangeTests
{
    private static ParameterRule Rule(string kind, string name) => KindCatalog.Embedded.Kinds[kind].Parameters[name];

    [Fact]
    public void An_int_beyond_32_bits_is_rejected_before_anything_runs()
    {
        Assert.Equal("99999999999 is outside the 32-bit integer range (at most 2147483647)", Rule("sft", "BatchSize").Check("99999999999"));
        Assert.Null(Rule("sft", "BatchSize").Check("2147483647"));
        Assert.Equal("'1.5' is not an integer", Rule("sft", "BatchSize").Check("1.5"));
    }

    [Fact]
    public void Seeds_are_64_bit()
    {
        Assert.Equal("long", Rule("sft", "Seed").Type);
        Assert.Null(Rule("sft", "Seed").Check("99999999999"));
        Assert.NotNull(Rule("sft", "Seed").Check("99999999999999999999"));
    }

    [Theory]
    [InlineData("sft")]
    [InlineData("soar")]
    [InlineData("flow-grpo")]
    public void LearningRate_has_an_upper_bound(string kind)
    {
        Assert.Equal("1E+30 is above the maximum 1", Rule(kind, "LearningRate").Check("1e30"));
        Assert.Null(Rule(kind, "LearningRate").Check("1e-3"));
    }

    [Fact]
    public void Every_int_parameter_default_fits_its_type()
    {
        foreach (var kind in KindCatalog.Embedded.Kinds.Values)
            foreach (var rule in kind.Parameters.Values.Where(r => r.Type is "int" or "long"))
                Assert.True(rule.Check(rule.Default) is null, $"{kind.Name}.{rule.Name}={rule.Default}: {rule.Check(rule.Default)}");
    }
}
