using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Catalog;

public class ParameterRuleTests
{
    private static readonly IReadOnlyDictionary<string, ParameterRule> Rules = KindCatalog.Parse(KindCatalogTests.Json).Kinds["train"].Parameters;

    [Theory]
    [InlineData("Steps", "1")]
    [InlineData("Steps", "100")]
    [InlineData("Lr", "3e-4")]
    [InlineData("Tied", "True")]
    [InlineData("Optimizer", "SGD")]
    public void Accepts_values_in_type_range_and_choices(string name, string value) => Assert.Null(Rules[name].Check(value));

    [Theory]
    [InlineData("Steps", "0", "below the minimum 1")]
    [InlineData("Steps", "101", "above the maximum 100")]
    [InlineData("Steps", "2.5", "not an integer")]
    [InlineData("Lr", "NaN", "not a finite number")]
    [InlineData("Lr", "-1", "below the minimum 0")]
    [InlineData("Tied", "yes", "not true or false")]
    [InlineData("Optimizer", "lion", "not one of adam, sgd")]
    public void Rejects_bad_values_saying_why(string name, string value, string why) =>
        Assert.Contains(why, Rules[name].Check(value));

    [Fact]
    public void Describe_names_type_and_limits()
    {
        Assert.Equal("int in [1, 100]", Rules["Steps"].Describe());
        Assert.Equal("double >= 0", Rules["Lr"].Describe());
        Assert.Equal("string, one of adam|sgd", Rules["Optimizer"].Describe());
    }
}
