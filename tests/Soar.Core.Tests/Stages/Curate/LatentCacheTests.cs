using System.Text.Json.Nodes;
using Soar.Core.Data;
using Soar.Core.Imaging;
using Soar.Core.Models.Pipeline;
using Soar.Core.Models.Vae;
using Soar.Core.Stages;
using Soar.Core.Stages.Curate;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Stages.Curate;

/// <summary>The curate stage's latent cache for a diffusers pipeline base: what it holds, what reruns it, its errors.</summary>
public sealed class LatentCacheTests : IDisposable
{
    private readonly StageHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    /// <summary>Three noise images of 40 x 36 with captions (and one of <paramref name="small"/> pixels when asked).</summary>
    private string Images(int? small = null)
    {
        var dir = Directory.CreateDirectory(_harness.Dir.File("images")).FullName;
        var rng = new Random(3);
        var rows = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var image = new RgbImage(40, 36);
            rng.NextBytes(image.Pixels);
            ImageCodec.SavePng(image, Path.Combine(dir, $"{i}.png"));
            rows.Add($"{i}.png,a picture number {i}");
        }
        if (small is { } side)
        {
            ImageCodec.SavePng(new RgbImage(side, side), Path.Combine(dir, "small.png"));
            rows.Add("small.png,a small picture");
        }
        File.WriteAllText(Path.Combine(dir, "captions.csv"), "file_name,caption\n" + string.Join("\n", rows) + "\n");
        return "images";
    }

    private string Pipeline(long seed = 1)
    {
        TinySD3Pipeline.Write(_harness.Dir.File("tiny"), seed, withT5: false);
        return "tiny";
    }

    private StageResult Curate(string name, params (string, string)[] extra) =>
        _harness.Run(new CurateStage(), name, StageHarness.Params([("Source", "images"), ("ImageSize", "32"), ("ValidationFraction", "0"), ("MaxSequenceLength", "4"), .. extra]));

    private Tensor TrainLatents(string name) => LatentCache.ReadSplit(_harness.Dir.File(name), CurateStage.TrainSplit).Latents;

    [Fact]
    public void The_vae_and_each_text_encoder_are_loaded_alone_after_their_size_and_released_before_the_next()
    {
        Images();
        TinySD3Pipeline.Write(_harness.Dir.File("tiny"), 1, withT5: true);
        Curate("data", ("Pipeline", "tiny"));
        var lines = _harness.Log.ToString().Split('\n');
        string[] components = ["vae", "text_encoder", "text_encoder_2", "text_encoder_3"];
        int Index(string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal));
        // Each component's size line comes before it is loaded, its release line after its using block has disposed it.
        var order = components.SelectMany(c => new[] { Index(c == "vae" ? "with vae:" : $"loading {c}:"), Index($"released {c}") }).ToArray();
        Assert.All(order, i => Assert.True(i >= 0, _harness.Log.ToString()));
        // size, release, size, release, ...: nothing is loaded while another component is in memory.
        Assert.Equal(order.Order(), order);
        foreach (var (c, k) in components.Select((c, k) => (c, k)))
        {
            long parameters = Directory.EnumerateFiles(_harness.Dir.File($"tiny/{c}"), "*.safetensors")
                .Sum(f => Soar.Core.Checkpoints.SafeTensorsFile.ReadHeader(f).Entries.Sum(e => e.Shape.Aggregate(1L, (x, y) => x * y)));
            Assert.Contains($"{c}: {parameters.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} parameters, ", lines[order[2 * k]]);
        }
    }

    [Fact]
    public void Latents_are_the_scaled_shifted_posterior_means_of_the_curated_images()
    {
        Images();
        var pipeline = Pipeline();
        Curate("data", ("Pipeline", pipeline), ("Fit", "center"));
        var dir = _harness.Dir.File("data");
        var cache = LatentCache.Load(dir);
        var folder = SD3PipelineFolder.Open(_harness.Dir.File(pipeline));
        Assert.Equal(folder.VaeHash(), cache.VaeHash);
        Assert.Equal(folder.TextEncodersHash(), cache.TextEncodersHash);
        Assert.Equal((3L, 8, 4, 4), (cache.Rows[CurateStage.TrainSplit], cache.LatentSize, cache.LatentChannels, cache.Prompts));

        // The same numbers computed directly from the Parquet rows: (mean - 0.0609) * 1.5305.
        var rows = DatasetReader.Open(Path.Combine(dir, "data"), CurateStage.TrainSplit).Read().ToList();
        using var vae = VaeFolder.Load(folder.VaeDir);
        using var images = TrainingSet.ToTensor(rows.Select(r => r.DecodeImage().Pixels).ToList(), 32);
        using var noGrad = no_grad();
        using var posterior = vae.Encode(images);
        using var expected = (posterior.Mean - 0.0609) * 1.5305;
        using var cached = TrainLatents("data");
        Assert.True(allclose(expected, cached, 1e-5, 1e-6));
        var (_, promptRows) = LatentCache.ReadSplit(dir, CurateStage.TrainSplit);
        using var table = PromptTable.Load(LatentCache.Dir(dir));
        Assert.Equal(rows.Select(r => r.Caption), promptRows.data<long>().ToArray().Select(i => table.Prompts[(int)i]));
    }

    [Fact]
    public void A_changed_vae_weight_re_encodes_and_a_stale_cache_is_refused_by_training()
    {
        Images();
        var pipeline = Pipeline(seed: 1);
        Curate("before", ("Pipeline", pipeline));
        var before = LatentCache.Load(_harness.Dir.File("before"));

        // One VAE weight changes; the text encoders do not.
        var vaeDir = _harness.Dir.File("tiny/vae");
        using (var vae = VaeFolder.Load(vaeDir))
        {
            using (no_grad()) vae.parameters().First().add_(0.5);
            VaeFolder.Save(vaeDir, vae);
        }
        Curate("after", ("Pipeline", pipeline));
        var after = LatentCache.Load(_harness.Dir.File("after"));
        Assert.NotEqual(before.VaeHash, after.VaeHash);
        Assert.Equal(before.TextEncodersHash, after.TextEncodersHash);
        using (var a = TrainLatents("before")) using (var b = TrainLatents("after")) Assert.False(allclose(a, b));

        // Training on the stale cache with the changed folder as base: SOAR2111, naming the VAE and what to do.
        var e = Assert.Throws<StageException>(() => _harness.Sft("m", StageHarness.Params(("ModelPackage", pipeline), ("Steps", "1"), ("BatchSize", "1")), "before"));
        Assert.Equal("SOAR2111", e.Code);
        Assert.Contains("VAE", e.Message);
        Assert.Contains("Pipeline=", e.Message);
    }

    [Fact]
    public void Sampled_latents_are_seeded_and_recorded()
    {
        Images();
        var pipeline = Pipeline();
        Curate("mean", ("Pipeline", pipeline));
        Curate("s1", ("Pipeline", pipeline), ("LatentSampling", "sample"), ("LatentSeed", "9"));
        Curate("s2", ("Pipeline", pipeline), ("LatentSampling", "sample"), ("LatentSeed", "9"));
        var cache = JsonNode.Parse(File.ReadAllText(Path.Combine(LatentCache.Dir(_harness.Dir.File("s1")), LatentCache.InfoFile)))!;
        Assert.Equal("sample", cache["latent_sampling"]!.GetValue<string>());
        Assert.Equal(9, cache["latent_seed"]!.GetValue<long>());
        using var mean = TrainLatents("mean");
        using var s1 = TrainLatents("s1");
        using var s2 = TrainLatents("s2");
        Assert.True(allclose(s1, s2, 0, 0));
        Assert.False(allclose(mean, s1));
    }

    [Fact]
    public void Errors_name_the_image_or_parameter_and_say_what_to_do()
    {
        Images(small: 20);
        var pipeline = Pipeline();
        var small = Assert.Throws<StageException>(() => Curate("a", ("Pipeline", pipeline), ("Fit", "center")));
        Assert.Equal("SOAR2016", small.Code);
        Assert.Contains("small.png", small.Message);
        Assert.Contains("20x20", small.Message);
        Assert.Contains("Fit=\"crop\"", small.Message);

        var size = Assert.Throws<StageException>(() => _harness.Run(new CurateStage(), "b", StageHarness.Params(("Source", "images"), ("ImageSize", "30"), ("Pipeline", pipeline))));
        Assert.Equal("SOAR2013", size.Code);
        Assert.Contains("ImageSize=30", size.Message);
        Assert.Contains("ImageSize=\"32\"", size.Message);

        Directory.CreateDirectory(_harness.Dir.File("not-a-pipeline"));
        var folder = Assert.Throws<StageException>(() => Curate("c", ("Pipeline", "not-a-pipeline")));
        Assert.Equal("SOAR2014", folder.Code);
        Assert.Contains("model_index.json", folder.Message);
    }
}
