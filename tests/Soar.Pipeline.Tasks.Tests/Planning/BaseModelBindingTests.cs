using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Planning;

public class BaseModelBindingTests
{
    private static readonly KindCatalog Catalog = KindCatalog.Embedded;
    private static StageDeclaration Stage(string name, string kind, string upstream = "", params (string Key, string Value)[] p) =>
        PipelinePlannerTests.Stage(name, kind, upstream, 1, p);

    [Fact]
    public void Stages_that_read_no_model_start_from_the_base_model_package()
    {
        var errors = new List<PipelineDiagnostic>();
        var bound = BaseModelBinding.Apply(
            [Stage("data", "curate"), Stage("tune", "sft", "data"), Stage("more", "soar", "data;tune"), Stage("look", "sample"),
             Stage("own", "sft", "data", ("ModelPackage", "Other.Model/2.0.0")), Stage("score", "eval", "tune")],
            [new BaseModelBinding.Reference("Contoso.Shapes.Base", "1.0.0", "/feeds/local")], Catalog, "p.soarproj", errors);

        Assert.Empty(errors);
        var byName = bound.ToDictionary(s => s.Name);
        Assert.Equal("Contoso.Shapes.Base/1.0.0", byName["tune"].Parameters["ModelPackage"]);
        Assert.Equal("/feeds/local", byName["tune"].Parameters["PackageSource"]);
        Assert.Equal("Contoso.Shapes.Base/1.0.0", byName["look"].Parameters["ModelPackage"]);
        Assert.False(byName["more"].Parameters.ContainsKey("ModelPackage"));   // it reads the model 'tune'
        Assert.Equal("Other.Model/2.0.0", byName["own"].Parameters["ModelPackage"]);
        Assert.False(byName["data"].Parameters.ContainsKey("ModelPackage"));
        Assert.False(byName["score"].Parameters.ContainsKey("ModelPackage"));
    }

    [Fact]
    public void A_ContentHash_on_the_base_model_pins_every_stage_it_binds()
    {
        const string Pin = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
        var errors = new List<PipelineDiagnostic>();
        var bound = BaseModelBinding.Apply([Stage("data", "curate"), Stage("tune", "sft", "data"), Stage("own", "sample", "", ("ModelPackage", "Other.Model/2.0.0"))],
            [new BaseModelBinding.Reference("Contoso.Shapes.Base", "1.0.0", "", Pin)], Catalog, "p.soarproj", errors);

        Assert.Empty(errors);
        var byName = bound.ToDictionary(s => s.Name);
        Assert.Equal(Pin, byName["tune"].Parameters["PackageContentHash"]);
        // A stage naming its own package is not pinned to the base model's hash.
        Assert.False(byName["own"].Parameters.ContainsKey("PackageContentHash"));
        // The pin is a declared parameter of the kind, so it passes declaration checks and joins the fingerprint.
        Assert.True(Catalog.TryGet("sft", out var sft) && sft.Parameters.ContainsKey("PackageContentHash"));
    }

    [Fact]
    public void A_Pipeline_on_a_package_base_model_is_the_folder_its_stages_rebuild_it_on_and_curate_encodes_with()
    {
        var errors = new List<PipelineDiagnostic>();
        var bound = BaseModelBinding.Apply(
            [Stage("data", "curate"), Stage("own-data", "curate", "", ("Pipeline", "other")), Stage("tune", "sft", "data"), Stage("look", "sample"), Stage("more", "soar", "data;tune")],
            [new BaseModelBinding.Reference("My.Sd35.Tuned", "1.0.0", "", "", "models/sd35")], Catalog, "p.soarproj", errors);

        Assert.Empty(errors);
        var byName = bound.ToDictionary(s => s.Name);
        Assert.Equal("models/sd35", byName["tune"].Parameters["PackagePipeline"]);
        Assert.Equal("models/sd35", byName["look"].Parameters["PackagePipeline"]);
        Assert.False(byName["more"].Parameters.ContainsKey("PackagePipeline"));   // it reads the model 'tune'
        Assert.Equal("models/sd35", byName["data"].Parameters["Pipeline"]);
        Assert.Equal("other", byName["own-data"].Parameters["Pipeline"]);
        Assert.True(Catalog.TryGet("flow-grpo", out var grpo) && grpo.Parameters.ContainsKey("PackagePipeline"));
    }

    [Fact]
    public void Two_base_models_or_a_missing_version_are_SOAR1016()
    {
        var errors = new List<PipelineDiagnostic>();
        BaseModelBinding.Apply([Stage("tune", "sft")], [new("A", "1.0.0", ""), new("B", "1.0.0", "")], Catalog, "p.soarproj", errors);
        Assert.Equal("SOAR1016", Assert.Single(errors).Code);

        errors.Clear();
        BaseModelBinding.Apply([Stage("tune", "sft")], [new("A", "", "")], Catalog, "p.soarproj", errors);
        Assert.Contains("needs a Version", Assert.Single(errors).Message);
    }

    [Fact]
    public void A_diffusers_pipeline_folder_binds_model_stages_and_the_curate_stage_that_encodes_for_it()
    {
        using var temp = new TempFolder();
        var project = Path.Combine(temp.Path, "p.soarproj");
        Directory.CreateDirectory(Path.Combine(temp.Path, "sd3"));
        File.WriteAllText(Path.Combine(temp.Path, "sd3", "model_index.json"), "{}");
        var errors = new List<PipelineDiagnostic>();
        var bound = BaseModelBinding.Apply([Stage("data", "curate"), Stage("own", "curate", "", ("Pipeline", "other")), Stage("tune", "sft", "data"), Stage("more", "soar", "data;tune")],
            [new BaseModelBinding.Reference("sd3", "", "")], Catalog, project, errors).ToDictionary(s => s.Name);

        Assert.Empty(errors);
        Assert.Equal("sd3", bound["data"].Parameters["Pipeline"]);
        Assert.Equal("other", bound["own"].Parameters["Pipeline"]);
        Assert.Equal("sd3", bound["tune"].Parameters["ModelPackage"]);
        Assert.False(bound["more"].Parameters.ContainsKey("ModelPackage"));

        // A folder without model_index.json is not a pipeline: SOAR1016 naming the file to look for.
        Directory.CreateDirectory(Path.Combine(temp.Path, "empty"));
        BaseModelBinding.Apply([Stage("tune", "sft")], [new("empty", "", "")], Catalog, project, errors);
        Assert.Contains("model_index.json", Assert.Single(errors).Message);
    }
}
