using NuGet.Common;
using Soar.Core.Packaging;
using Soar.Core.Stages;
using Soar.Core.Stages.Package;
using Soar.Core.Tests.Packaging;

namespace Soar.Core.Tests.Stages.Package;

[Collection(PackagedPipelineCollection.Name)]
public class PackageStageTests(PackagedPipeline pipeline)
{
    // Only the package kind: StageRegistry.Default is shared, and registering kinds is the lead's change.
    private static readonly StageRegistry Registry = new StageRegistry().Add("package", () => new PackageStage());

    private StageManifest Package(string name, params (string Key, string Value)[] parameters) =>
        new StageRunner(Registry).Run(new StageSpec
        {
            Name = name,
            Kind = "package",
            ProjectPath = pipeline.Dir.File("models.soarproj"),
            OutputDir = pipeline.Dir.File(name),
            Parameters = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase),
            Inputs = [new StageInput { Name = "base", Kind = "sft", Dir = pipeline.Model }, new StageInput { Name = "eval", Kind = "eval", Dir = pipeline.Eval }],
        }, new ConsoleStageLog(name, TextWriter.Null), CancellationToken.None);

    [Fact]
    public async Task Pack_push_to_a_folder_feed_restore_train_on_it_as_a_base_and_sample()
    {
        Directory.CreateDirectory(pipeline.Dir.File("feed"));
        // PushSource is relative to the project folder, as a .soarproj would give it.
        var manifest = Package("pack", ("PackageId", "Contoso.Shapes.Base"), ("Version", "1.2.0"), ("Authors", "Contoso"), ("License", "MIT"), ("PushSource", "feed"));
        Assert.Contains("Contoso.Shapes.Base.1.2.0.nupkg", manifest.Outputs.Keys);

        var feed = ModelFeed.Resolve("feed", pipeline.Dir.Path);
        var restored = await feed.RestoreAsync("Contoso.Shapes.Base", "1.2.0", pipeline.Dir.File("cache"), NullLogger.Instance, CancellationToken.None);
        Assert.Equal(StageManifest.Load(Path.Combine(pipeline.Model, "manifest.json")).ContentHash, restored.ModelContentHash);

        // The restored model samples exactly like the model it was packed from.
        pipeline.Run("from-stage", "sample", [pipeline.Model], ("Count", "2"), ("Steps", "3"), ("Prompts", "heldout"));
        pipeline.Run("from-package", "sample", [restored.ModelDir], ("Count", "2"), ("Steps", "3"), ("Prompts", "heldout"));
        for (int i = 0; i < 2; i++)
            Assert.Equal(File.ReadAllBytes(pipeline.Dir.File($"from-stage/samples/{i:0000}.png")), File.ReadAllBytes(pipeline.Dir.File($"from-package/samples/{i:0000}.png")));

        // ... and is a base for further training, named as a package on the stage; the lineage continues the packaged one.
        pipeline.Run("tuned", "sft", ["data"], ("Steps", "1"), ("BatchSize", "4"), ("ModelPackage", "Contoso.Shapes.Base/1.2.0"), ("PackageSource", "feed"));
        var config = File.ReadAllText(pipeline.Dir.File("tuned/checkpoint/config.json"));
        Assert.Contains("\"base_model\": \"Contoso.Shapes.Base/1.2.0\"", config);
        Assert.True(Directory.Exists(pipeline.Dir.File(".soar/packages/contoso.shapes.base/1.2.0")));
        pipeline.Run("sampled-package", "sample", [], ("Count", "2"), ("Steps", "3"), ("Prompts", "heldout"), ("ModelPackage", "Contoso.Shapes.Base/1.2.0"), ("PackageSource", "feed"));
        Assert.Equal(File.ReadAllBytes(pipeline.Dir.File("from-stage/samples/0000.png")), File.ReadAllBytes(pipeline.Dir.File("sampled-package/samples/0000.png")));
        Assert.Equal(2, System.Text.Json.Nodes.JsonNode.Parse(config)!["lineage"]!.AsArray().Count);

        // A second restore is a verified cache hit; a damaged cache is refused.
        var again = await feed.RestoreAsync("Contoso.Shapes.Base", "1.2.0", pipeline.Dir.File("cache"), NullLogger.Instance, CancellationToken.None);
        Assert.Equal(restored.Dir, again.Dir);
        File.AppendAllText(Path.Combine(restored.ModelDir, "checkpoint", "config.json"), " ");
        var e = await Assert.ThrowsAsync<StageException>(() => feed.RestoreAsync("Contoso.Shapes.Base", "1.2.0", pipeline.Dir.File("cache"), NullLogger.Instance, CancellationToken.None));
        Assert.Equal("SOAR2613", e.Code);
    }

    [Fact]
    public void Model_package_without_a_source_or_beside_an_upstream_model_is_a_clear_error()
    {
        var notOnConfiguredFeeds = Assert.Throws<StageException>(() => pipeline.Run("s1", "sample", [], ("ModelPackage", "Contoso.Shapes.Missing/1.2.0")));
        Assert.Equal("SOAR2625", notOnConfiguredFeeds.Code);
        Assert.Contains(pipeline.TeamFeed, notOnConfiguredFeeds.Message);
        var both = Assert.Throws<StageException>(() => pipeline.Run("s2", "sample", ["base"], ("ModelPackage", "Contoso.Shapes.Base/1.2.0"), ("PackageSource", "feed")));
        Assert.Equal("SOAR2633", both.Code);
        var badRef = Assert.Throws<StageException>(() => pipeline.Run("s3", "sample", [], ("ModelPackage", "Contoso.Shapes.Base"), ("PackageSource", "feed")));
        Assert.Equal("SOAR2630", badRef.Code);
    }

    [Fact]
    public async Task Without_PackageSource_the_nuget_config_feeds_are_searched()
    {
        Package("team-pack", ("PackageId", "Contoso.Shapes.Team"), ("Version", "2.0.0"));
        var feed = ModelFeed.Resolve("team-models", pipeline.Dir.Path);
        Assert.Equal(pipeline.TeamFeed, feed.Source.Source);
        await feed.PushAsync(pipeline.Dir.File("team-pack/Contoso.Shapes.Team.2.0.0.nupkg"), null, NullLogger.Instance, CancellationToken.None);
        pipeline.Run("team-sample", "sample", [], ("Count", "1"), ("Steps", "2"), ("ModelPackage", "Contoso.Shapes.Team/2.0.0"));
        Assert.True(File.Exists(pipeline.Dir.File("team-sample/samples/0000.png")));
    }

    [Fact]
    public void A_full_fine_tune_over_MaxPackageMB_is_refused_and_under_it_packs_as_before()
    {
        // The tiny dit's model.safetensors and ema.safetensors hold about 6 MB each.
        var e = Assert.Throws<StageException>(() => Package("too-big", ("PackageId", "Contoso.Shapes.Big"), ("MaxPackageMB", "5")));
        Assert.Equal("SOAR2655", e.Code);
        Assert.Contains("MaxPackageMB=5", e.Message);
        Assert.Contains("Lora=", e.Message);
        Assert.Contains("external store", e.Message);
        Assert.False(File.Exists(pipeline.Dir.File("too-big/Contoso.Shapes.Big.1.0.0.nupkg")));
        var manifest = Package("fits", ("PackageId", "Contoso.Shapes.Big"));
        Assert.Contains("Contoso.Shapes.Big.1.0.0.nupkg", manifest.Outputs.Keys);
        using var zip = System.IO.Compression.ZipFile.OpenRead(pipeline.Dir.File("fits/Contoso.Shapes.Big.1.0.0.nupkg"));
        Assert.Contains(zip.Entries, z => z.FullName == "soar/model/checkpoint/model.safetensors");
        Assert.DoesNotContain(zip.Entries, z => z.FullName == Soar.Core.Packaging.Bases.BaseReference.FileName);
    }

    [Fact]
    public void Missing_package_id_is_a_clear_error()
    {
        var e = Assert.Throws<StageException>(() => Package("no-id"));
        Assert.Equal("SOAR2601", e.Code);
        Assert.Contains("PackageId", e.Message);
    }
}
