using System.IO.Compression;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Models.Pipeline;
using Soar.Core.Packaging;
using Soar.Core.Packaging.Bases;
using Soar.Core.Stages;

namespace Soar.Core.Tests.Packaging.Bases;

/// <summary>
/// Packages of LoRA-trained models: the adapters and a reference to the base, never the base weights; a consumer
/// rebuilds the weights on its copy of the base and samples exactly what the producer's stage samples.
/// </summary>
[Collection(LoraPipelineCollection.Name)]
public sealed class LoraPackageTests(LoraPipeline lora)
{
    private static IReadOnlyList<string> Entries(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    private static string Text(string nupkg, string entry)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        using var reader = new StreamReader(zip.GetEntry(entry)!.Open());
        return reader.ReadToEnd();
    }

    [Fact]
    public void A_lora_package_holds_only_adapters_and_names_the_pipeline_by_content_hash()
    {
        var nupkg = lora.Package("pack-fixed", "fixed", "Test.Fixed");
        var entries = Entries(nupkg);
        Assert.DoesNotContain(entries, e => e.EndsWith("model.safetensors", StringComparison.Ordinal) && !e.Contains("/adapter/"));
        Assert.DoesNotContain(entries, e => e.EndsWith("ema.safetensors", StringComparison.Ordinal) && !e.Contains("/adapter/"));
        Assert.Contains("soar/model/adapter/model.safetensors", entries);
        Assert.Contains("soar/model/lora/pytorch_lora_weights.safetensors", entries);
        // "fixed" trained on "tuned", whose adapters are merged into its base: both stages' adapters travel.
        Assert.Contains("soar/bases/tuned/adapter/ema.safetensors", entries);
        using (var zip = ZipFile.OpenRead(nupkg))
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".safetensors", StringComparison.Ordinal)))
            {
                using var bytes = new MemoryStream();
                using (var stream = entry.Open()) stream.CopyTo(bytes);
                bytes.Position = 0;
                Assert.All(SafeTensorsFile.ReadHeader(bytes, entry.FullName).Entries, t => Assert.True(AdapterWeights.IsAdapter(t.Name), $"{entry.FullName}: {t.Name}"));
            }
        var reference = JsonNode.Parse(Text(nupkg, BaseReference.FileName))!;
        Assert.Equal("diffusers", reference["kind"]!.GetValue<string>());
        Assert.Equal(PipelineHashes.Of(SD3PipelineFolder.Open(lora.Pipeline)).ContentHash, reference["contentHash"]!.GetValue<string>());
        Assert.Equal(["soar/bases/tuned", "soar/model"], reference["links"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Equal(PackageContentManifest.AdapterFormat, JsonNode.Parse(Text(nupkg, ModelPackageLayout.ContentManifest))!["format"]!.GetValue<string>());
        var card = Text(nupkg, "README.md");
        Assert.Contains("LoRA adapters only (2 training stages)", card);
        Assert.Contains("<BaseModel Include=\"Test.Fixed\" Version=\"1.0.0\" Pipeline=\"<folder>\" />", card);
        Assert.True(new FileInfo(nupkg).Length < new FileInfo(lora.Package("pack-full", "full", "Test.Full")).Length);
    }

    [Fact]
    public void Restored_elsewhere_it_is_rebuilt_on_the_users_copy_of_the_pipeline_and_samples_as_the_producer()
    {
        lora.Package("pack-fixed2", "fixed", "Test.Fixed2");
        var producer = lora.Sample("producer", ["fixed"]);
        var copy = lora.Project.Dir.File("elsewhere/my-sd3");
        CopyFolder(lora.Pipeline, copy);
        // The producer's folder is gone on the consumer's machine: nothing may read it by its recorded path.
        Directory.Move(lora.Pipeline, lora.Pipeline + ".away");
        try
        {
            var consumer = lora.Sample("consumer", [], ("ModelPackage", "Test.Fixed2/1.0.0"), ("PackageSource", "feed"), ("PackagePipeline", "elsewhere/my-sd3"));
            Assert.Equal(producer, consumer);
            var rebuilt = Directory.GetDirectories(lora.Project.Dir.File(".soar/packages/test.fixed2"), "1.0.0.model-*").Single();
            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(rebuilt, "checkpoint", "config.json")))!;
            Assert.Equal(copy, config["model"]!["Pipeline"]!.GetValue<string>());
            // A second use finds the rebuilt folder and checks it instead of rebuilding.
            Assert.Equal(consumer, lora.Sample("consumer-again", [], ("ModelPackage", "Test.Fixed2/1.0.0"), ("PackageSource", "feed"), ("PackagePipeline", "elsewhere/my-sd3")));
        }
        finally
        {
            Directory.Move(lora.Pipeline + ".away", lora.Pipeline);
        }
    }

    [Fact]
    public void Another_pipeline_folder_or_none_is_refused_naming_the_expected_content_hash()
    {
        lora.Package("pack-tuned", "tuned", "Test.Tuned");
        var expected = PipelineHashes.Of(SD3PipelineFolder.Open(lora.Pipeline)).ContentHash;
        TinySD3Pipeline.Write(lora.Project.Dir.File("other-sd3"), seed: 4, withT5: false);
        var other = Assert.Throws<StageException>(() => lora.Sample("wrong", [], ("ModelPackage", "Test.Tuned/1.0.0"), ("PackageSource", "feed"), ("PackagePipeline", "other-sd3")));
        Assert.Equal("SOAR2651", other.Code);
        Assert.Contains(expected, other.Message);
        Assert.Contains(PipelineHashes.Of(SD3PipelineFolder.Open(lora.Project.Dir.File("other-sd3"))).ContentHash, other.Message);
        Assert.Contains("transformer", other.Message);
        var none = Assert.Throws<StageException>(() => lora.Sample("none", [], ("ModelPackage", "Test.Tuned/1.0.0"), ("PackageSource", "feed")));
        Assert.Equal("SOAR2650", none.Code);
        Assert.Contains(expected, none.Message);
        Assert.Contains("Pipeline=", none.Message);

        // Another transformer with the same VAE and text encoders: not the adapters' base, but enough for full weights.
        var mixed = lora.Project.Dir.File("mixed-sd3");
        CopyFolder(lora.Pipeline, mixed);
        Directory.Delete(Path.Combine(mixed, "transformer"), recursive: true);
        CopyFolder(lora.Project.Dir.File("other-sd3/transformer"), Path.Combine(mixed, "transformer"));
        var adapters = Assert.Throws<StageException>(() => lora.Sample("mixed-adapters", [], ("ModelPackage", "Test.Tuned/1.0.0"), ("PackageSource", "feed"), ("PackagePipeline", "mixed-sd3")));
        Assert.Contains("(its transformer differ)", adapters.Message);
        lora.Package("pack-full-mixed", "full", "Test.FullMixed");
        Assert.Equal(lora.Sample("full-producer", ["full"]), lora.Sample("full-mixed", [], ("ModelPackage", "Test.FullMixed/1.0.0"), ("PackageSource", "feed"), ("PackagePipeline", "mixed-sd3")));
    }

    [Fact]
    public void A_base_package_is_restored_from_the_feed_and_must_have_the_recorded_content_hash()
    {
        lora.Package("pack-base", "full", "Test.Base");
        lora.Project.Run("on-base", "sft", ["data"], [.. LoraPipeline.Adapters, ("ModelPackage", "Test.Base/1.0.0"), ("PackageSource", "feed"), ("PackagePipeline", "tiny-sd3")]);
        var nupkg = lora.Package("pack-on-base", "on-base", "Test.OnBase");
        var reference = JsonNode.Parse(Text(nupkg, BaseReference.FileName))!;
        Assert.Equal(("package", "Test.Base", "1.0.0"), (reference["kind"]!.GetValue<string>(), reference["id"]!.GetValue<string>(), reference["version"]!.GetValue<string>()));
        Assert.Equal(["soar/model"], reference["links"]!.AsArray().Select(l => l!.GetValue<string>()));

        var producer = lora.Sample("on-base-producer", ["on-base"]);
        Assert.Equal(producer, lora.Sample("on-base-consumer", [], ("ModelPackage", "Test.OnBase/1.0.0"), ("PackageSource", "feed"), ("PackagePipeline", "tiny-sd3")));

        // A feed whose Test.Base 1.0.0 is another model: refused, naming the recorded hash.
        var forged = lora.Project.Dir.File("forged-feed");
        Directory.CreateDirectory(forged);
        lora.Package("pack-forged", "tuned", "Test.Base", forged);
        File.Copy(nupkg, Path.Combine(forged, Path.GetFileName(nupkg)));
        var mismatch = Assert.Throws<StageException>(() => lora.Sample("forged", [], ("ModelPackage", "Test.OnBase/1.0.0"), ("PackageSource", "forged-feed"), ("PackagePipeline", "tiny-sd3")));
        Assert.Equal("SOAR2653", mismatch.Code);
        Assert.Contains(reference["contentHash"]!.GetValue<string>(), mismatch.Message);

        // A feed without the base (and none configured that has it): refused, saying what to push.
        var lonely = lora.Project.Dir.File("lonely-feed");
        Directory.CreateDirectory(lonely);
        File.Copy(nupkg, Path.Combine(lonely, Path.GetFileName(nupkg)));
        var missing = Assert.Throws<StageException>(() => lora.Sample("lonely", [], ("ModelPackage", "Test.OnBase/1.0.0"), ("PackageSource", "lonely-feed"), ("PackagePipeline", "tiny-sd3")));
        Assert.Equal("SOAR2652", missing.Code);
        Assert.Contains("push Test.Base 1.0.0", missing.Message);
    }

    [Fact]
    public void Adapters_over_a_fully_trained_stage_of_the_project_are_packed_with_full_weights_and_the_size_error_says_why()
    {
        lora.Project.Run("on-full", "sft", ["data", "full"], LoraPipeline.Adapters);
        var nupkg = lora.Package("pack-on-full", "on-full", "Test.OnFull");
        Assert.Contains("soar/model/checkpoint/model.safetensors", Entries(nupkg));
        var reference = JsonNode.Parse(Text(nupkg, BaseReference.FileName))!;
        Assert.Equal("diffusers", reference["kind"]!.GetValue<string>());
        Assert.Empty(reference["links"]!.AsArray());
        var info = ModelPackageInfo.Parse("Test.OnFull", "2.0.0", null, null, null);
        var e = Assert.Throws<StageException>(() => ModelPackageWriter.Write(info, lora.Project.Dir.File("on-full"), null, lora.Project.Dir.File("too-big"), maxMegabytes: 0));
        Assert.Equal("SOAR2655", e.Code);
        Assert.Contains("its base 'full' is a stage of this project trained on every weight", e.Message);
    }

    [Theory]
    [InlineData("[\"soar/bases/../../../etc\", \"soar/model\"]")]
    [InlineData("[\"soar/model\", \"soar/bases/tuned\"]")]
    [InlineData("[\"/tmp/x\", \"soar/model\"]")]
    public void A_base_reference_whose_links_leave_the_package_is_refused(string links)
    {
        var dir = lora.Project.Dir.File($"crafted-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(dir, "soar"));
        File.WriteAllText(Path.Combine(dir, BaseReference.FileName), $$"""{"kind": "package", "id": "A", "version": "1.0.0", "contentHash": "00", "links": {{links}}}""");
        Assert.Equal("SOAR2613", Assert.Throws<StageException>(() => BaseReference.Read(dir, "crafted")).Code);
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
