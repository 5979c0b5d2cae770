using System.Text.Json.Nodes;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>
/// A newcomer's own captioned images, built for real: the model gets an open vocabulary (a prompt with a word the
/// captions never had, and a curly apostrophe, samples) and training writes validation grids of its captions.
/// </summary>
[Collection(BuildCollection.Name)]
public sealed class OwnDataVocabularyTests(ToolingFixture tooling)
{
    [Fact]
    public void Unseen_words_sample_and_validation_grids_are_written_during_training()
    {
        Assert.NotNull(tooling.SoarDll);
        using var project = new SoarProject("""
            <Stage Include="data" Kind="curate" Source="icons" ImageSize="8" ValidationFraction="0.5" />
            <Stage Include="m" Kind="sft" Upstream="data" Preset="unet-tiny" Steps="2" BatchSize="1" ValidationEvery="1" />
            <Stage Include="look" Kind="sample" Upstream="m" Prompts="a spaceship’s red icon" Count="1" Steps="2" />
            """);
        var icons = Directory.CreateDirectory(Path.Combine(project.Dir, "icons")).FullName;
        var rng = new Random(2);
        var names = new[] { "rocket", "star", "moon", "sun", "tree", "house" };
        foreach (var name in names) NoiseBmp.Write(Path.Combine(icons, name + ".bmp"), rng);
        File.WriteAllText(Path.Combine(icons, "captions.csv"), "file_name,caption\n" + string.Concat(names.Select(n => $"{n}.bmp,a small {n} icon\n")));

        var build = project.Build();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Equal(["data", "m", "look"], build.Ran);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(project.StageDir("m"), "checkpoint", "config.json")))!;
        Assert.Equal("subword", config["tokenizer"]!["kind"]!.GetValue<string>());
        var sample = JsonNode.Parse(File.ReadAllLines(Path.Combine(project.StageDir("look"), "samples.jsonl"))[0])!;
        Assert.Equal("a spaceship’s red icon", sample["prompt"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(project.StageDir("m"), "logs", "validation", "step-000002.png")));
    }
}
