using System.Text.Json.Nodes;
using NuGet.Versioning;
using Soar.Core.Packaging;
using Soar.Core.Stages;

namespace Soar.Core.Tests.Packaging;

/// <summary>The package README of a model trained on the user's own images (no built-in world, no scorer).</summary>
public class ModelCardTests
{
    private static readonly StageManifest Manifest = new()
    {
        Name = "tuned", Kind = "soar", ContentHash = "sha256:ab",
        Versions = new ManifestVersions("1", "1", "0.107.0", "2.10.0", "10"),
        Run = new ManifestRun { Device = "cpu", Machine = "m" },
    };

    private static JsonObject Config(string world, string? kind) => new()
    {
        ["model"] = new JsonObject { ["architecture"] = "unet" },
        ["tokenizer"] = kind is null ? new JsonObject { ["vocabulary"] = new JsonArray("[pad]", "[bos]", "red") }
            : new JsonObject { ["kind"] = kind, ["vocabulary"] = new JsonArray("[pad]", "[bos]", "[unk]", "gpt2:64") },
        ["dataset"] = new JsonObject { ["stage"] = "photos", ["world"] = world },
    };

    private static readonly ModelPackageInfo Info = new("My.Icons", NuGetVersion.Parse("1.0.0"), "me", "MIT", null);

    [Fact]
    public void Custom_data_is_named_as_the_users_own_and_not_as_a_built_in_world()
    {
        var card = ModelCard.Render(Info, Config("custom", "subword"), Manifest, null);
        Assert.DoesNotContain("built-in world", card);
        Assert.Contains("training data: your own images (dataset stage `photos`)", card);
        Assert.Contains("4 subword tokens (open vocabulary", card);
    }

    [Fact]
    public void A_world_model_keeps_its_world_and_word_count()
    {
        var card = ModelCard.Render(Info, Config("shapes", null), Manifest, null);
        Assert.Contains("training data: built-in world `shapes`", card);
        Assert.Contains("caption vocabulary: 3 words", card);
    }

    [Fact]
    public void An_eval_without_a_scorer_says_so_instead_of_an_empty_table()
    {
        var metrics = new JsonObject
        {
            ["stage"] = "eval", ["samples_per_prompt"] = 2,
            ["prompt_sets"] = new JsonObject { ["in_distribution"] = new JsonObject { ["prompts"] = 5, ["arms"] = new JsonArray(new JsonObject { ["name"] = "tuned" }) } },
        };
        var card = ModelCard.Render(Info, Config("custom", "subword"), Manifest, metrics);
        Assert.Contains("No task scores: no scorer knows this data", card);
        Assert.DoesNotContain("| arm | prompt set |", card);
    }
}
