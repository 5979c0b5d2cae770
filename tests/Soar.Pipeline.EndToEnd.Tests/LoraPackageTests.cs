using System.IO.Compression;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>
/// A LoRA-trained model shipped as a package, built for real: the producer trains adapters on a tiny diffusers folder
/// and packs them (no base weights); a second pipeline on another folder path names the package and its own copy of the
/// folder in &lt;BaseModel&gt;, samples what the producer sampled, verifies, and is refused on a different folder.
/// </summary>
[Collection(BuildCollection.Name)]
public sealed class LoraPackageTests(ToolingFixture tooling)
{
    private const string Look = """<Stage Include="look" Kind="sample" {0} Prompts="a small star icon|a small moon icon" Count="2" Steps="2" />""";

    // About two minutes on 2 shared cores: four stage workers, a verify, then three consumer builds.
    [Fact, Trait("Category", "Slow")]
    public void A_lora_package_holds_no_base_weights_and_another_pipeline_rebuilds_it_on_its_copy_of_the_folder()
    {
        Assert.NotNull(tooling.SoarDll);
        using var feed = new SoarProject();
        var feedDir = Directory.CreateDirectory(Path.Combine(feed.Dir, "feed")).FullName;
        using var producer = new SoarProject(
            """<BaseModel Include="tiny-sd3" />""",
            """<Stage Include="data" Kind="curate" Source="icons" ImageSize="32" ValidationFraction="0" MaxSequenceLength="8" />""",
            """<Stage Include="tuned" Kind="sft" Upstream="data" Lora="rank=4;alpha=4" Steps="2" BatchSize="2" />""",
            string.Format(Look, "Upstream=\"tuned\""),
            $"""<Stage Include="pack" Kind="package" Upstream="tuned" PackageId="Test.Tiny.Lora" Version="0.1.0" PushSource="{feedDir}" />""");
        InitPipeline(producer.Dir, "tiny-sd3", seed: 3);
        var icons = Directory.CreateDirectory(Path.Combine(producer.Dir, "icons")).FullName;
        var rng = new Random(5);
        foreach (var name in new[] { "rocket", "star", "moon", "sun" }) NoiseBmp.Write(Path.Combine(icons, name + ".bmp"), rng);
        File.WriteAllText(Path.Combine(icons, "captions.csv"), "file_name,caption\n" + string.Concat(new[] { "rocket", "star", "moon", "sun" }.Select(n => $"{n}.bmp,a small {n} icon\n")));
        var produced = producer.Build();
        Assert.True(produced.Succeeded, produced.ToString());

        var nupkg = Path.Combine(feedDir, "test.tiny.lora.0.1.0.nupkg");
        if (!File.Exists(nupkg)) nupkg = Directory.GetFiles(feedDir, "*.nupkg", SearchOption.AllDirectories).Single();
        using (var zip = ZipFile.OpenRead(nupkg))
        {
            var entries = zip.Entries.Select(e => e.FullName).ToList();
            Assert.DoesNotContain("soar/model/checkpoint/model.safetensors", entries);
            Assert.Contains("soar/model/adapter/model.safetensors", entries);
            Assert.Contains("soar/base.json", entries);
        }
        // Smaller than the stage's own weights file, which holds the base transformer with the adapters.
        Assert.True(new FileInfo(nupkg).Length < new FileInfo(Path.Combine(producer.StageDir("tuned"), "checkpoint", "model.safetensors")).Length);
        // Packing the adapters reproduces byte for byte.
        var repacked = producer.Build("-t:Verify", "-p:SoarVerifyStages=pack");
        Assert.True(repacked.Succeeded, repacked.ToString());
        Assert.Contains("verify: stage 'pack' reproduced", repacked.Output);

        using var consumer = new SoarProject(
            $"""<BaseModel Include="Test.Tiny.Lora" Version="0.1.0" Source="{feedDir}" Pipeline="my-sd3" />""",
            string.Format(Look, ""));
        CopyFolder(Path.Combine(producer.Dir, "tiny-sd3"), Path.Combine(consumer.Dir, "my-sd3"));
        // The producer's folder is not on the consumer's machine.
        Directory.Move(Path.Combine(producer.Dir, "tiny-sd3"), Path.Combine(producer.Dir, "tiny-sd3.away"));
        var consumed = consumer.Build();
        Assert.True(consumed.Succeeded, consumed.ToString());
        Assert.Contains("rebuilt on the diffusers pipeline folder with content hash", consumed.Output);
        for (int i = 0; i < 2; i++)
            Assert.Equal(File.ReadAllBytes(Path.Combine(producer.StageDir("look"), "samples", $"{i:0000}.png")), File.ReadAllBytes(Path.Combine(consumer.StageDir("look"), "samples", $"{i:0000}.png")));

        var verify = consumer.Build("-t:Verify");
        Assert.True(verify.Succeeded, verify.ToString());
        Assert.Contains("verify: stage 'look' reproduced", verify.Output);

        InitPipeline(consumer.Dir, "other-sd3", seed: 4);
        consumer.Write($"""<BaseModel Include="Test.Tiny.Lora" Version="0.1.0" Source="{feedDir}" Pipeline="other-sd3" />""", string.Format(Look, ""));
        var refused = consumer.Build();
        Assert.False(refused.Succeeded, refused.ToString());
        Assert.Contains("error SOAR2651", refused.Output);
        Assert.Contains("is not the folder the model was trained on", refused.Output);
    }

    private void InitPipeline(string dir, string name, int seed)
    {
        var (exit, output) = DotnetBuild.Run(DotnetBuild.StartInfo(dir,
            [tooling.SoarDll!, "model", "init", "--architecture", "sd3-pipeline", "--seed", seed.ToString(), "--out", Path.Combine(dir, name)]));
        Assert.True(exit == 0, output);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
