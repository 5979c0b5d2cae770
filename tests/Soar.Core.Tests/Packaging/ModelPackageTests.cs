using System.IO.Compression;
using NuGet.Common;
using NuGet.Packaging;
using Soar.Core.Packaging;
using Soar.Core.Stages;

namespace Soar.Core.Tests.Packaging;

[Collection(PackagedPipelineCollection.Name)]
public class ModelPackageTests(PackagedPipeline pipeline)
{
    private static ModelPackageInfo Info(string version = "1.0.0") => ModelPackageInfo.Parse("Contoso.Shapes.Base", version, "Contoso", "MIT", null);

    private string Pack(string folder, string version = "1.0.0") =>
        ModelPackageWriter.Write(Info(version), pipeline.Model, pipeline.Eval, pipeline.Dir.File(folder));

    [Fact]
    public void Package_has_the_model_type_card_lineage_and_metrics()
    {
        var path = Pack("pack-a");
        using var reader = new PackageArchiveReader(path);
        Assert.Contains(reader.GetPackageTypes(), t => t.Name == ModelPackageLayout.PackageType);
        var files = reader.GetFiles().ToHashSet();
        foreach (var f in new[] { "soar/model/checkpoint/model.safetensors", "soar/model/checkpoint/config.json", "soar/model/manifest.json",
                     "soar/eval/metrics.json", "soar/eval/report.html", "soar/package.json", "README.md" })
            Assert.Contains(f, files);
        Assert.DoesNotContain("soar/model/checkpoint/optimizer.safetensors", files);
        Assert.Equal("MIT", reader.NuspecReader.GetLicenseMetadata()?.License);
        using var card = new StreamReader(reader.GetStream("README.md"));
        var text = card.ReadToEnd();
        Assert.Contains("## Scores", text);
        Assert.Contains("| base |", text);
        Assert.Contains("soar sample --package Contoso.Shapes.Base/1.0.0", text);
        Assert.Contains(StageManifest.Load(Path.Combine(pipeline.Data, "manifest.json")).ContentHash, text);
    }

    [Fact]
    public void Packing_twice_gives_byte_identical_packages()
    {
        var first = File.ReadAllBytes(Pack("twice-a"));
        // Zip times have 2 s resolution: packing across that boundary must still give the same bytes.
        Thread.Sleep(2100);
        Assert.Equal(first, File.ReadAllBytes(Pack("twice-b")));
    }

    [Fact]
    public void Tampered_weights_are_refused_and_nothing_is_extracted()
    {
        var path = Pack("tampered");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            var entry = zip.GetEntry("soar/model/checkpoint/model.safetensors")!;
            byte[] bytes;
            using (var s = entry.Open()) { using var m = new MemoryStream(); s.CopyTo(m); bytes = m.ToArray(); }
            bytes[^1] ^= 0xFF;
            entry.Delete();
            using var w = zip.CreateEntry("soar/model/checkpoint/model.safetensors").Open();
            w.Write(bytes);
        }
        var target = pipeline.Dir.File("tampered-out");
        var e = Assert.Throws<StageException>(() => ModelPackageExtractor.Extract(path, target));
        Assert.Equal("SOAR2613", e.Code);
        Assert.Contains("model.safetensors", e.Message);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void Zip_slip_entry_is_refused_without_writing_outside_the_target()
    {
        var path = Pack("slip");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        using (var w = new StreamWriter(zip.CreateEntry("../../escaped.txt").Open()))
            w.Write("outside");
        var target = pipeline.Dir.File("slip-root/a/b");
        var e = Assert.Throws<StageException>(() => ModelPackageExtractor.Extract(path, target));
        Assert.Equal("SOAR2614", e.Code);
        Assert.Contains("escaped.txt", e.Message);
        Assert.Empty(Directory.EnumerateFiles(pipeline.Dir.Path, "escaped.txt", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Missing_feed_and_missing_version_name_the_feed_and_id()
    {
        var feedDir = pipeline.Dir.File("feed-versions");
        Directory.CreateDirectory(feedDir);
        var feed = ModelFeed.Resolve(feedDir, pipeline.Dir.Path);
        await feed.PushAsync(Pack("versions"), null, NullLogger.Instance, CancellationToken.None);

        var missing = await Assert.ThrowsAsync<StageException>(() => feed.RestoreAsync("Contoso.Shapes.Base", "2.0.0", pipeline.Dir.File("cache-v"), NullLogger.Instance, CancellationToken.None));
        Assert.Equal("SOAR2625", missing.Code);
        Assert.Contains(feedDir, missing.Message);
        Assert.Contains("it has 1.0.0", missing.Message);

        var noFeed = ModelFeed.Resolve(pipeline.Dir.File("no-such-feed"), pipeline.Dir.Path);
        var e = await Assert.ThrowsAsync<StageException>(() => noFeed.RestoreAsync("Contoso.Shapes.Base", "1.0.0", pipeline.Dir.File("cache-n"), NullLogger.Instance, CancellationToken.None));
        Assert.Equal("SOAR2624", e.Code);
        Assert.Contains("no-such-feed", e.Message);
        Assert.Contains("Contoso.Shapes.Base", e.Message);
    }

    [Fact]
    public async Task Http_push_without_an_api_key_is_a_clear_error()
    {
        var feed = ModelFeed.Resolve("http://127.0.0.1:9/v3/index.json", pipeline.Dir.Path);
        Assert.Null(feed.ApiKey("SOAR_TEST_UNSET_API_KEY_VARIABLE"));
        var e = await Assert.ThrowsAsync<StageException>(() => feed.PushAsync(Pack("http"), feed.ApiKey(null), NullLogger.Instance, CancellationToken.None));
        Assert.Equal("SOAR2622", e.Code);
    }

    [Fact]
    public void Invalid_id_version_and_license_are_clear_errors()
    {
        Assert.Equal("SOAR2601", Assert.Throws<StageException>(() => ModelPackageInfo.Parse("bad id!", "1.0.0", null, null, null)).Code);
        Assert.Equal("SOAR2602", Assert.Throws<StageException>(() => ModelPackageInfo.Parse("Good.Id", "one", null, null, null)).Code);
        var license = Assert.Throws<StageException>(() => ModelPackageWriter.Write(ModelPackageInfo.Parse("Good.Id", "1.0.0", null, "NOT A LICENSE ((", null), pipeline.Model, null, pipeline.Dir.File("lic")));
        Assert.Equal("SOAR2605", license.Code);
    }
}
