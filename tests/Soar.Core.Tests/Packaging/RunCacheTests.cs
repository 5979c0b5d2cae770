using System.IO.Compression;
using Soar.Core.Packaging;
using Soar.Core.Stages;
using Soar.Core.Stages.Sft;

namespace Soar.Core.Tests.Packaging;

[Collection(PackagedPipelineCollection.Name)]
public class RunCacheTests(PackagedPipeline pipeline)
{
    private const string Fingerprint = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

    /// <summary>A registry whose sft stage fails the test if it ever runs: a cache hit must not train.</summary>
    private static StageRunner NeverTrains() => new(new StageRegistry().Add("sft", () => throw new InvalidOperationException("the stage ran despite a run cache hit")));

    private StageSpec Spec(string name, string fingerprint = Fingerprint) => new()
    {
        Name = "tuned",
        Kind = "sft",
        OutputDir = pipeline.Dir.File(name),
        Parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Steps"] = "1", ["BatchSize"] = "4" },
        Inputs = [new StageInput { Name = "data", Kind = "curate", Dir = pipeline.Data }],
        Fingerprint = fingerprint,
    };

    private RunCache Cache(string feedName)
    {
        var feed = pipeline.Dir.File(feedName);
        Directory.CreateDirectory(feed);
        return new RunCache(ModelFeed.Resolve(feed, pipeline.Dir.Path));
    }

    [Fact]
    public void A_cache_hit_skips_training_and_restores_byte_identical_outputs()
    {
        var cache = Cache("cache-feed");
        var log = new StringWriter();
        cache.Run(new StageRunner(), Spec("first"), new ConsoleStageLog("tuned", log), CancellationToken.None);
        Assert.Contains("published", log.ToString());

        var restored = cache.Run(NeverTrains(), Spec("second"), new ConsoleStageLog("tuned", log), CancellationToken.None);
        Assert.Contains("restored outputs", log.ToString());
        var first = ContentHash.ListOutputs(pipeline.Dir.File("first")).Append("manifest.json").ToList();
        Assert.Equal(first, ContentHash.ListOutputs(pipeline.Dir.File("second")).Append("manifest.json"));
        foreach (var file in first)
            Assert.Equal(File.ReadAllBytes(Path.Combine(pipeline.Dir.File("first"), file)), File.ReadAllBytes(Path.Combine(pipeline.Dir.File("second"), file)));
        Assert.Equal(Fingerprint, restored.Fingerprint);
    }

    [Fact]
    public async Task A_miss_runs_the_stage_and_a_stage_without_fingerprint_is_not_cached()
    {
        var cache = Cache("miss-feed");
        var other = Fingerprint.Replace('0', 'a');
        Assert.Null(await cache.TryRestoreAsync(other, pipeline.Dir.File("nothing"), new ConsoleStageLog("x", TextWriter.Null), CancellationToken.None));
        var spec = Spec("unfingerprinted", fingerprint: "");
        var ran = new StageRunner(new StageRegistry().Add("sft", () => new SftStage()));
        cache.Run(ran, spec, new ConsoleStageLog("x", TextWriter.Null), CancellationToken.None);
        Assert.Empty(Directory.EnumerateFiles(cache.Feed.Source.Source, "*.nupkg", SearchOption.AllDirectories));
    }

    [Fact]
    public void A_tampered_cache_entry_is_refused()
    {
        var cache = Cache("tamper-feed");
        var fingerprint = Fingerprint.Replace('0', 'b');
        cache.Run(new StageRunner(), Spec("origin", fingerprint), new ConsoleStageLog("x", TextWriter.Null), CancellationToken.None);
        var nupkg = Directory.EnumerateFiles(cache.Feed.Source.Source, "*.nupkg", SearchOption.AllDirectories).Single();
        using (var zip = ZipFile.Open(nupkg, ZipArchiveMode.Update))
        {
            zip.GetEntry("checkpoint/config.json")!.Delete();
            using var w = new StreamWriter(zip.CreateEntry("checkpoint/config.json").Open());
            w.Write("{}");
        }
        var e = Assert.Throws<StageException>(() => cache.Run(NeverTrains(), Spec("victim", fingerprint), new ConsoleStageLog("x", TextWriter.Null), CancellationToken.None));
        Assert.Equal("SOAR2641", e.Code);
        Assert.Contains("checkpoint/config.json", e.Message);
        Assert.False(File.Exists(pipeline.Dir.File("victim/manifest.json")));
    }
}
