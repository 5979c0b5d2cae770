using Soar.Pipeline.Tasks;
using static Soar.Pipeline.Tasks.Tests.Planning.PipelinePlannerTests;

namespace Soar.Pipeline.Tasks.Tests.Planning;

/// <summary>Kind-against-upstream rules of the real catalog, checked when the build plans (SOAR1018), before anything trains.</summary>
public class UpstreamRulesTests
{
    private static readonly KindCatalog Catalog = KindCatalog.Embedded;

    private static IReadOnlyList<PipelineDiagnostic> Errors(params StageDeclaration[] stages) => PipelinePlanner.Plan(stages, Catalog).Errors;

    private static readonly StageDeclaration CustomData = Stage("data", "curate", line: 3, parameters: ("Source", "my-images"));
    private static readonly StageDeclaration ShapesData = Stage("data", "curate", line: 3, parameters: [("Source", "shapes"), ("Count", "20")]);
    private static readonly StageDeclaration Model = Stage("base", "sft", "data", line: 4, parameters: ("BatchSize", "8"));

    [Fact]
    public void Sample_with_default_prompts_on_custom_data_needs_the_dataset_upstream_and_says_how()
    {
        var error = Assert.Single(Errors(CustomData, Model, Stage("grid", "sample", "base", line: 5)));
        Assert.Equal(("SOAR1018", 5), (error.Code, error.Line));
        Assert.Contains("Prompts=auto (the default) on custom data (stage 'data', Source=my-images)", error.Message);
        Assert.Contains("Upstream=\"base;data\"", error.Message);
        Assert.Empty(Errors(CustomData, Model, Stage("grid", "sample", "base;data", line: 5)));
    }

    [Theory]
    [InlineData("sample", "heldout")]
    [InlineData("eval", "eval")]
    [InlineData("eval", "heldout")]
    [InlineData("flow-grpo", "train")]
    public void World_prompt_sets_on_custom_data_fail_at_plan_time(string kind, string prompts)
    {
        var error = Assert.Single(Errors(CustomData, Model, Stage("s", kind, "base;data", line: 5, parameters: ("Prompts", prompts))));
        Assert.Equal("SOAR1018", error.Code);
        Assert.Contains($"Prompts={prompts} exists only for a built-in world", error.Message);
    }

    [Fact]
    public void Eval_and_sample_share_the_default_and_need_no_dataset_on_a_built_in_world()
    {
        Assert.Equal("auto", Catalog.Kinds["sample"].Parameters["Prompts"].Default);
        Assert.Equal("auto", Catalog.Kinds["eval"].Parameters["Prompts"].Default);
        Assert.Empty(Errors(ShapesData, Model, Stage("grid", "sample", "base"), Stage("e", "eval", "base")));
    }

    [Fact]
    public void Each_upstream_must_fit_the_kind()
    {
        var noDataset = Assert.Single(Errors(ShapesData, Stage("m", "sft", line: 4)));
        Assert.Contains("reads no dataset; add one to Upstream, e.g. Upstream=\"data\"", noDataset.Message);
        var wrongKind = Errors(ShapesData, Model, Stage("g", "sample", "base"), Stage("x", "sample", "g", line: 6));
        Assert.All(wrongKind, e => Assert.Equal(6, e.Line));
        Assert.Contains(wrongKind, e => e.Message.Contains("lists upstream 'g', a sample stage, whose output (images) a sample stage does not read; it reads one model, optionally one dataset"));
        Assert.Contains(wrongKind, e => e.Message.Contains("reads no model; add one to Upstream, e.g. Upstream=\"g;base\""));
        var twoDatasets = Assert.Single(Errors(ShapesData, Stage("more", "curate"), Stage("m", "sft", "data;more", line: 5, parameters: ("BatchSize", "8"))));
        Assert.Contains("reads 2 datasets (data, more)", twoDatasets.Message);
    }

    [Fact]
    public void A_model_package_stands_in_for_a_model_upstream()
    {
        Assert.Empty(Errors(Stage("grid", "sample", parameters: ("ModelPackage", "My.Model/1.0.0"))));
        Assert.Contains("ModelPackage", Assert.Single(Errors(Stage("grid", "sample"))).Message);
    }

    [Fact]
    public void A_curate_upstream_only_orders_stages()
    {
        Assert.Empty(Errors(ShapesData, Stage("copy", "curate", "data")));
    }

    [Fact]
    public void BatchSize_larger_than_the_world_rows_curated_fails_at_plan_time()
    {
        var error = Assert.Single(Errors(ShapesData, Stage("m", "sft", "data", line: 4, parameters: ("BatchSize", "64"))));
        Assert.Equal(("SOAR1018", 4), (error.Code, error.Line));
        Assert.Contains("BatchSize=64 is larger than the 20 rows stage 'data' curates", error.Message);
    }

    [Fact]
    public void Upstream_rule_text_parses_roles()
    {
        var rule = UpstreamRule.Parse("model (one or more), optional dataset");
        Assert.Equal([new UpstreamRole("model", true, true), new UpstreamRole("dataset", false, false)], rule.Roles);
        Assert.True(UpstreamRule.Parse("none").OrderOnly);
    }
}
