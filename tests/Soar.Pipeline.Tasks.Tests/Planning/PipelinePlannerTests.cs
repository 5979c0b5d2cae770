using Soar.Pipeline.Tasks;
using Soar.Pipeline.Tasks.Tests.Catalog;

namespace Soar.Pipeline.Tasks.Tests.Planning;

public class PipelinePlannerTests
{
    private static readonly KindCatalog Catalog = KindCatalog.Parse(KindCatalogTests.Json);

    internal static StageDeclaration Stage(string name, string kind, string upstream = "", int line = 1, params (string Key, string Value)[] parameters) =>
        new(name, kind, StageDeclaration.SplitUpstream(upstream),
            parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase), "p.soarproj", line);

    [Fact]
    public void Valid_pipeline_is_ordered_upstream_first()
    {
        var plan = PipelinePlanner.Plan([Stage("model", "train", "data"), Stage("data", "data")], Catalog);
        Assert.Empty(plan.Errors);
        Assert.Equal(["data", "model"], plan.Ordered.Select(s => s.Name));
    }

    [Fact]
    public void Unknown_kind_is_SOAR1001_at_the_stage_line()
    {
        var error = Assert.Single(PipelinePlanner.Plan([Stage("x", "trian", line: 7)], Catalog).Errors);
        Assert.Equal(("SOAR1001", "p.soarproj", 7), (error.Code, error.File, error.Line));
        Assert.Contains("known kinds: train, data", error.Message);
    }

    [Fact]
    public void Unknown_parameter_is_SOAR1002_and_lists_the_known_ones()
    {
        var error = Assert.Single(PipelinePlanner.Plan([Stage("x", "train", line: 3, parameters: ("Stpes", "5"))], Catalog).Errors);
        Assert.Equal("SOAR1002", error.Code);
        Assert.Contains("'Stpes'", error.Message);
        Assert.Contains("Steps", error.Message);
    }

    [Fact]
    public void Bad_value_is_SOAR1003_with_the_expected_range()
    {
        var error = Assert.Single(PipelinePlanner.Plan([Stage("x", "train", parameters: ("steps", "0"))], Catalog).Errors);
        Assert.Equal("SOAR1003", error.Code);
        Assert.Contains("Steps=0", error.Message);
        Assert.Contains("int in [1, 100]", error.Message);
    }

    [Fact]
    public void Missing_upstream_is_SOAR1004()
    {
        var error = Assert.Single(PipelinePlanner.Plan([Stage("x", "train", "nope", line: 9)], Catalog).Errors);
        Assert.Equal(("SOAR1004", 9), (error.Code, error.Line));
        Assert.Contains("'nope'", error.Message);
    }

    [Fact]
    public void Cycle_is_SOAR1005_naming_the_loop_from_the_first_declared_stage()
    {
        var plan = PipelinePlanner.Plan(
            [Stage("src", "data"), Stage("a", "train", "src;c", line: 2), Stage("b", "train", "a", line: 3), Stage("c", "train", "b", line: 4)], Catalog);
        var error = Assert.Single(plan.Errors);
        Assert.Equal(("SOAR1005", 2), (error.Code, error.Line));
        Assert.Contains("a -> b -> c -> a", error.Message);
        Assert.Empty(plan.Ordered);
    }

    [Fact]
    public void Self_reference_is_a_cycle()
    {
        var error = Assert.Single(PipelinePlanner.Plan([Stage("a", "data", "a")], Catalog).Errors);
        Assert.Equal("SOAR1005", error.Code);
        Assert.Contains("a -> a", error.Message);
    }

    [Fact]
    public void Duplicate_names_are_SOAR1006_at_the_second_declaration()
    {
        var error = Assert.Single(PipelinePlanner.Plan([Stage("a", "data", line: 2), Stage("A", "data", line: 5)], Catalog).Errors);
        Assert.Equal(("SOAR1006", 5), (error.Code, error.Line));
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void Missing_kind_is_SOAR1007()
    {
        Assert.Equal("SOAR1007", Assert.Single(PipelinePlanner.Plan([Stage("a", " ")], Catalog).Errors).Code);
    }

    [Theory]
    [InlineData(".hidden")]
    [InlineData("a/b")]
    [InlineData("a b")]
    public void Names_that_cannot_be_folders_are_SOAR1008(string name)
    {
        Assert.Equal("SOAR1008", Assert.Single(PipelinePlanner.Plan([Stage(name, "data")], Catalog).Errors).Code);
    }

    [Fact]
    public void All_declaration_errors_are_reported_together()
    {
        var plan = PipelinePlanner.Plan([Stage("a", "nokind"), Stage("b", "train", "zz", parameters: ("Lr", "x"))], Catalog);
        Assert.Equal(["SOAR1001", "SOAR1003", "SOAR1004"], plan.Errors.Select(e => e.Code).Order());
    }
}
