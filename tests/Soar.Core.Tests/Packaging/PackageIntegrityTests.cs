using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using NuGet.Common;
using Soar.Core.Packaging;
using Soar.Core.Stages;

namespace Soar.Core.Tests.Packaging;

/// <summary>
/// A package's integrity is not its own word: content hashes are recomputed from the extracted files, pinned by the
/// consumer and locked in soar.packages.lock.json; extraction is size-capped; a folder feed keeps published versions.
/// </summary>
[Collection(PackagedPipelineCollection.Name)]
public class PackageIntegrityTests(PackagedPipeline pipeline)
{
    private const string Weights = "soar/model/checkpoint/model.safetensors";
    private const string Checksums = "soar/model/checkpoint/checksums.json";

    private string Pack(string id, string folder, string? description = null) =>
        ModelPackageWriter.Write(ModelPackageInfo.Parse(id, "1.0.0", "Contoso", "MIT", description), pipeline.Model, pipeline.Eval, pipeline.Dir.File(folder));

    [Fact]
    public void Tampered_weights_with_package_json_and_checksums_recomputed_are_refused()
    {
        var path = Pack("Contoso.Tamper", "tamper-recomputed");
        Forge(path, rewriteStageManifest: false);
        var e = Assert.Throws<StageException>(() => ModelPackageExtractor.Extract(path, pipeline.Dir.File("tamper-recomputed-out"), "package Contoso.Tamper 1.0.0"));
        Assert.Equal("SOAR2613", e.Code);
        Assert.Contains("differs from the file the model stage wrote", e.Message);
        Assert.StartsWith("package Contoso.Tamper 1.0.0", e.Message);
    }

    [Fact]
    public void A_fully_forged_package_recomputes_to_another_content_hash_and_the_pin_refuses_it()
    {
        var original = Pack("Contoso.Pinned", "pin-original");
        var originalHash = ModelPackageExtractor.ContentHashOf(original);
        var forged = Path.Combine(pipeline.Dir.File("pin-feed"), Path.GetFileName(original));
        Directory.CreateDirectory(Path.GetDirectoryName(forged)!);
        File.Copy(original, forged);
        Forge(forged, rewriteStageManifest: true);

        // Every self-attested hash agrees with the forged bytes; only the recomputed content hash tells them apart.
        var extracted = ModelPackageExtractor.Extract(forged, pipeline.Dir.File("pin-forged-out"));
        Assert.NotEqual(originalHash, extracted.ContentHash);
        Assert.Equal(ModelPackageExtractor.ContentHashOf(forged), extracted.ContentHash);

        var e = Assert.Throws<StageException>(() => pipeline.Run("pin-sample", "sample", [], ("Count", "1"), ("Steps", "2"),
            ("ModelPackage", "Contoso.Pinned/1.0.0"), ("PackageSource", "pin-feed"), ("PackageContentHash", originalHash)));
        Assert.Equal("SOAR2618", e.Code);
        Assert.Contains(originalHash, e.Message);
        Assert.Contains(extracted.ContentHash, e.Message);
        Assert.DoesNotContain(PackageLockFile.Read(LockPath), p => p.Id == "Contoso.Pinned");
    }

    [Fact]
    public void The_lock_file_is_written_on_first_restore_and_a_changed_package_under_the_same_version_is_refused()
    {
        var feed = pipeline.Dir.File("lock-feed");
        Directory.CreateDirectory(feed);
        var original = Pack("Contoso.Locked", "lock-original");
        File.Copy(original, Path.Combine(feed, Path.GetFileName(original)));
        var log = new StringWriter();
        pipeline.Run("lock-1", "sample", [], log, ("Count", "1"), ("Steps", "2"), ("ModelPackage", "Contoso.Locked/1.0.0"), ("PackageSource", "lock-feed"));
        var locked = Assert.Single(PackageLockFile.Read(LockPath), p => p.Id == "Contoso.Locked");
        Assert.Equal(("1.0.0", ModelPackageExtractor.ContentHashOf(original)), (locked.Version, locked.ContentHash));
        Assert.Contains($"content hash {locked.ContentHash} (recomputed from its files), unsigned", log.ToString());

        // The feed's copy changes under the same id/version (republished with another description).
        var changed = Pack("Contoso.Locked", "lock-changed", description: "A different model card.");
        File.Copy(changed, Path.Combine(feed, Path.GetFileName(original)), overwrite: true);
        var e = Assert.Throws<StageException>(() => pipeline.Run("lock-2", "sample", [], ("Count", "1"), ("Steps", "2"),
            ("ModelPackage", "Contoso.Locked/1.0.0"), ("PackageSource", "lock-feed")));
        Assert.Equal("SOAR2619", e.Code);
        Assert.Contains("Contoso.Locked 1.0.0", e.Message);
        Assert.Contains(locked.ContentHash, e.Message);
        Assert.Contains(ModelPackageExtractor.ContentHashOf(changed), e.Message);
        Assert.Contains("delete its entry from soar.packages.lock.json", e.Message);
    }

    [Fact]
    public async Task The_package_cache_is_replaced_when_the_feeds_copy_changed()
    {
        var feedDir = pipeline.Dir.File("cache-feed");
        Directory.CreateDirectory(feedDir);
        var first = Pack("Contoso.Cached", "cache-first");
        File.Copy(first, Path.Combine(feedDir, Path.GetFileName(first)));
        var feed = ModelFeed.Resolve(feedDir, pipeline.Dir.Path);
        var cache = pipeline.Dir.File("cache-root");
        var restored = await feed.RestoreAsync("Contoso.Cached", "1.0.0", cache, NullLogger.Instance, CancellationToken.None);
        Assert.Null(restored.CacheNote);
        Assert.Null((await feed.RestoreAsync("Contoso.Cached", "1.0.0", cache, NullLogger.Instance, CancellationToken.None)).CacheNote);

        var second = Pack("Contoso.Cached", "cache-second", description: "Republished.");
        File.Copy(second, Path.Combine(feedDir, Path.GetFileName(first)), overwrite: true);
        var again = await feed.RestoreAsync("Contoso.Cached", "1.0.0", cache, NullLogger.Instance, CancellationToken.None);
        Assert.Equal(restored.Dir, again.Dir);
        Assert.NotNull(again.CacheNote);
        Assert.Equal(ModelPackageExtractor.ContentHashOf(second), again.ContentHash);
        Assert.Contains("Republished.", File.ReadAllText(again.Readme));
    }

    [Fact]
    public void A_huge_entry_is_refused_before_it_is_written_in_full()
    {
        var path = Pack("Contoso.Bomb", "bomb");
        long cap;
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            // Room for the model's own files plus 1 MiB; the zeros entry inflates 16 MiB past that.
            cap = zip.Entries.Sum(e => e.Length) + (1 << 20);
            using var entry = zip.CreateEntry("soar/zeros.bin", CompressionLevel.SmallestSize).Open();
            entry.Write(new byte[cap + (16 << 20)]);
        }
        var dir = pipeline.Dir.File("bomb-out");
        var e = Assert.Throws<StageException>(() => PackageFiles.ExtractAll(path, dir, ModelPackageLayout.PackageType, "package Contoso.Bomb 1.0.0", cap));
        Assert.Equal("SOAR2616", e.Code);
        Assert.Contains("soar/zeros.bin", e.Message);
        var written = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.True(written <= cap, $"{written} bytes were written past the {cap}-byte cap");
        // The default cap: a 6.6 MB package may not expand to 1 GB.
        Assert.True(PackageFiles.MaxBytesFor(6_600_000) < 1L << 30);
    }

    [Fact]
    public async Task A_zip_slip_entry_from_a_feed_names_the_package_not_the_download()
    {
        var feedDir = pipeline.Dir.File("slip-feed");
        Directory.CreateDirectory(feedDir);
        var path = Pack("Contoso.Slip", "slip-pack");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        using (var w = new StreamWriter(zip.CreateEntry("../../escaped.txt").Open()))
            w.Write("outside");
        File.Copy(path, Path.Combine(feedDir, Path.GetFileName(path)));
        var feed = ModelFeed.Resolve(feedDir, pipeline.Dir.Path);
        var e = await Assert.ThrowsAsync<StageException>(() => feed.RestoreAsync("Contoso.Slip", "1.0.0", pipeline.Dir.File("slip-cache"), NullLogger.Instance, CancellationToken.None));
        Assert.Equal("SOAR2614", e.Code);
        Assert.StartsWith($"package Contoso.Slip 1.0.0 from feed {feedDir}", e.Message);
        Assert.DoesNotContain(".nupkg", e.Message);
    }

    [Fact]
    public async Task Pushing_a_version_the_folder_feed_has_is_refused_unless_skip_duplicate()
    {
        var feedDir = pipeline.Dir.File("dup-feed");
        Directory.CreateDirectory(feedDir);
        var feed = ModelFeed.Resolve(feedDir, pipeline.Dir.Path);
        var first = Pack("Contoso.Dup", "dup-first");
        Assert.True(await feed.PushAsync(first, null, NullLogger.Instance, CancellationToken.None));
        var pushed = Directory.GetFiles(feedDir, "*.nupkg", SearchOption.AllDirectories).Single();
        var before = File.ReadAllBytes(pushed);
        // The same bytes again (a package stage rerun on a reproduced model) are no conflict.
        Assert.False(await feed.PushAsync(first, null, NullLogger.Instance, CancellationToken.None));

        var other = Pack("Contoso.Dup", "dup-second", description: "Another build.");
        var e = await Assert.ThrowsAsync<StageException>(() => feed.PushAsync(other, null, NullLogger.Instance, CancellationToken.None));
        Assert.Equal("SOAR2626", e.Code);
        Assert.Contains("Contoso.Dup 1.0.0", e.Message);
        Assert.Contains("--skip-duplicate", e.Message);
        Assert.False(await feed.PushAsync(other, null, NullLogger.Instance, CancellationToken.None, skipDuplicate: true));
        Assert.Equal(before, File.ReadAllBytes(pushed));
    }

    private string LockPath => pipeline.Dir.File(PackageLockFile.FileName);

    /// <summary>
    /// Flips a byte of the weights and recomputes every hash the package carries about them: checksums.json and
    /// package.json, and with <paramref name="rewriteStageManifest"/> the model stage manifest and its content hash too.
    /// </summary>
    private static void Forge(string nupkg, bool rewriteStageManifest)
    {
        using var zip = ZipFile.Open(nupkg, ZipArchiveMode.Update);
        var weights = Read(zip, Weights);
        weights[^1] ^= 0xFF;
        var weightsSha = Sha(weights);
        Write(zip, Weights, weights);
        var checksums = JsonNode.Parse(Read(zip, Checksums))!.AsObject();
        checksums["model.safetensors"] = weightsSha;
        Write(zip, Checksums, System.Text.Encoding.UTF8.GetBytes(checksums.ToJsonString()));
        var content = JsonNode.Parse(Read(zip, ModelPackageLayout.ContentManifest))!.AsObject();
        if (rewriteStageManifest)
        {
            var manifest = JsonNode.Parse(Read(zip, "soar/model/manifest.json"))!.AsObject();
            manifest["outputs"]!["checkpoint/model.safetensors"]!["sha256"] = weightsSha;
            var outputs = manifest["outputs"]!.AsObject().Select(o => KeyValuePair.Create(o.Key, o.Value!["sha256"]!.GetValue<string>()));
            manifest["contentHash"] = ContentHash.Combine(outputs);
            content["modelContentHash"] = manifest["contentHash"]!.GetValue<string>();
            var bytes = System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString());
            Write(zip, "soar/model/manifest.json", bytes);
            content["files"]!["soar/model/manifest.json"] = Sha(bytes);
        }
        content["files"]![Weights] = weightsSha;
        content["files"]![Checksums] = Sha(Read(zip, Checksums));
        Write(zip, ModelPackageLayout.ContentManifest, System.Text.Encoding.UTF8.GetBytes(content.ToJsonString()));
    }

    private static byte[] Read(ZipArchive zip, string name)
    {
        using var stream = zip.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static void Write(ZipArchive zip, string name, byte[] bytes)
    {
        zip.GetEntry(name)!.Delete();
        using var stream = zip.CreateEntry(name).Open();
        stream.Write(bytes);
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
