using System.Text.Json.Nodes;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>
/// Post-training an SD3-family model from a diffusers pipeline folder, built for real: the tiny pipeline the tool makes
/// (`soar model init --architecture sd3-pipeline`) as the &lt;BaseModel&gt;; curate encodes latents and prompt embeddings
/// once, sft trains LoRA adapters on them, soar continues, sample decodes with the VAE, package packs; a second build
/// skips everything, and a training parameter's change reruns that stage without re-encoding the data.
/// </summary>
[Collection(BuildCollection.Name)]
public sealed class DiffusersPipelineTests(ToolingFixture tooling)
{
    // 30-45 s on 2 shared cores: five stage workers, then two more builds.
    [Fact, Trait("Category", "Slow")]
    public void A_tiny_pipeline_folder_is_encoded_once_post_trained_sampled_and_packaged()
    {
        Assert.NotNull(tooling.SoarDll);
        string[] Stages(string learningRate) =>
        [
            """<BaseModel Include="tiny-sd3" />""",
            """<Stage Include="data" Kind="curate" Source="icons" ImageSize="32" ValidationFraction="0" MaxSequenceLength="8" />""",
            $"""<Stage Include="tuned" Kind="sft" Upstream="data" Lora="rank=4;alpha=4" Steps="1" BatchSize="2" LearningRate="{learningRate}" />""",
            """<Stage Include="fixed" Kind="soar" Upstream="data;tuned" Lora="rank=4;alpha=4" Steps="1" BatchSize="2" TrajectoryLength="2" NumSamplingSteps="4" />""",
            """<Stage Include="look" Kind="sample" Upstream="fixed" Prompts="a small star icon|a red moon nobody captioned" Count="2" Steps="2" />""",
            """<Stage Include="pack" Kind="package" Upstream="fixed" PackageId="Test.Tiny.Sd3" Version="0.1.0" />""",
        ];
        using var project = new SoarProject(Stages("1e-4"));
        var (exit, output) = DotnetBuild.Run(DotnetBuild.StartInfo(project.Dir,
            [tooling.SoarDll, "model", "init", "--architecture", "sd3-pipeline", "--seed", "3", "--out", Path.Combine(project.Dir, "tiny-sd3")]));
        Assert.True(exit == 0, output);
        var icons = Directory.CreateDirectory(Path.Combine(project.Dir, "icons")).FullName;
        var rng = new Random(5);
        var names = new[] { "rocket", "star", "moon", "sun" };
        foreach (var name in names) NoiseBmp.Write(Path.Combine(icons, name + ".bmp"), rng);
        File.WriteAllText(Path.Combine(icons, "captions.csv"), "file_name,caption\n" + string.Concat(names.Select(n => $"{n}.bmp,a small {n} icon\n")));

        var build = project.Build();
        Assert.True(build.Succeeded, build.ToString());
        Assert.Equal(["data", "tuned", "fixed", "look", "pack"], build.Ran);
        var cache = JsonNode.Parse(File.ReadAllText(Path.Combine(project.StageDir("data"), "latents", "cache.json")))!;
        Assert.Equal(4, cache["rows"]!["train"]!.GetValue<long>());
        Assert.Equal(8, cache["latent_size"]!.GetValue<int>());
        Assert.Equal(5, cache["prompts"]!.GetValue<int>());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(project.StageDir("fixed"), "checkpoint", "config.json")))!;
        Assert.Equal("sd3-pipeline", config["model"]!["architecture"]!.GetValue<string>());
        Assert.Equal(3.0, config["model"]!["TimestepShift"]!.GetValue<double>());
        Assert.True(File.Exists(Path.Combine(project.StageDir("fixed"), "lora", "pytorch_lora_weights.safetensors")));
        Assert.True(File.Exists(Path.Combine(project.StageDir("look"), "samples", "0001.png")));
        Assert.Single(Directory.GetFiles(project.StageDir("pack"), "*.nupkg"));

        var again = project.Build();
        Assert.True(again.Succeeded, again.ToString());
        Assert.Empty(again.Ran);

        project.Write(Stages("2e-4"));
        var retrained = project.Build("-p:SoarStages=tuned");
        Assert.True(retrained.Succeeded, retrained.ToString());
        Assert.Equal(["tuned"], retrained.Ran);
        Assert.Contains("data", retrained.Skipped);
    }
}
