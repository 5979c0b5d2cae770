using System.Text.Json;
using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Catalog;

public class KindCatalogTests
{
    [Fact]
    public void Embedded_catalog_is_the_repository_stage_kinds_json()
    {
        var onDisk = KindCatalog.Parse(File.ReadAllText(RepoFiles.StageKindsJson));
        Assert.Equal(onDisk.Kinds.Keys.Order(), KindCatalog.Embedded.Kinds.Keys.Order());
        foreach (var (name, kind) in onDisk.Kinds)
            Assert.Equal(kind.Parameters.Keys.Order(), KindCatalog.Embedded.Kinds[name].Parameters.Keys.Order());
        Assert.Contains("curate", KindCatalog.Embedded.Kinds.Keys);
    }

    [Fact]
    public void Kinds_and_parameters_are_case_insensitive_and_keep_the_catalog_spelling()
    {
        var catalog = KindCatalog.Parse(Json);
        Assert.True(catalog.TryGet("TRAIN", out var kind));
        Assert.True(kind.Parameters.TryGetValue("steps", out var steps));
        Assert.Equal("Steps", steps.Name);
        Assert.Equal(["adam", "sgd"], kind.Parameters["Optimizer"].Choices!);
    }

    [Fact]
    public void Resolve_fills_defaults_under_the_catalog_names()
    {
        var kind = KindCatalog.Parse(Json).Kinds["train"];
        var resolved = kind.Resolve(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["steps"] = "7" });
        Assert.Equal(new Dictionary<string, string> { ["Lr"] = "0.1", ["Optimizer"] = "adam", ["Steps"] = "7", ["Tied"] = "false" }, resolved);
    }

    [Fact]
    public void An_inheriting_kind_takes_the_parent_parameters_it_does_not_redeclare()
    {
        var catalog = KindCatalog.Parse("""
            { "kinds": {
              "train": { "parameters": { "Steps": { "type": "int", "default": "10" }, "Lr": { "type": "double", "default": "0.1" } } },
              "finetune": { "inherits": "train", "parameters": { "Lr": { "type": "double", "default": "0.01" }, "Lambda": { "type": "double", "default": "1" } } }
            } }
            """);
        var kind = catalog.Kinds["finetune"];
        Assert.Equal(["Lambda", "Lr", "Steps"], kind.Parameters.Keys.Order());
        Assert.Equal("0.01", kind.Parameters["Lr"].Default);
        Assert.Throws<InvalidDataException>(() => KindCatalog.Parse("""{ "kinds": { "x": { "inherits": "nope", "parameters": {} } } }"""));
    }

    [Fact]
    public void A_catalog_without_kinds_is_rejected()
    {
        Assert.Throws<KeyNotFoundException>(() => KindCatalog.Parse("{}"));
        Assert.ThrowsAny<JsonException>(() => KindCatalog.Parse("{ not json"));
    }

    internal const string Json = """
    {
      "kinds": {
        "train": {
          "description": "test kind",
          "parameters": {
            "Steps": { "type": "int", "default": "10", "min": "1", "max": "100" },
            "Lr": { "type": "double", "default": "0.1", "min": "0" },
            "Tied": { "type": "bool", "default": "false" },
            "Optimizer": { "type": "string", "default": "adam", "choices": "adam, sgd" }
          }
        },
        "data": { "description": "source", "parameters": { "Source": { "type": "string", "default": "shapes" } } }
      }
    }
    """;
}
