using Soar.Core.Imaging;
using Soar.Core.Models;
using Soar.Core.Models.UNet;
using Soar.Core.Objectives;
using Soar.Core.Stages;
using Soar.Core.Text;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models;

public class FlowUNetTests
{
    private static VelocityModel Tiny(int imageSize = 16, int vocab = 10, int maxTokens = 6)
    {
        manual_seed(0);
        return ModelRegistry.Create(ModelRegistry.FromPreset("unet-tiny", imageSize, vocab, maxTokens, timestepShift: 1.0));
    }

    /// <summary>Gives the zero-initialised convs and projections weights so the output depends on every input.</summary>
    private static void Wake(VelocityModel model)
    {
        using var noGrad = no_grad();
        foreach (var p in model.parameters()) if (p.abs().sum().item<float>() == 0) p.normal_(0, 0.05);
    }

    private static Tensor Ids(params long[][] rows) => tensor(rows.SelectMany(r => r).ToArray()).view(rows.Length, rows[0].Length);

    [Fact]
    public void Output_has_image_shape_and_starts_at_zero_velocity()
    {
        using var model = Tiny();
        Assert.IsType<FlowUNet>(model);
        using var x = randn(3, 3, 16, 16);
        using var s = tensor(new float[] { 0.1f, 0.5f, 1f });
        using var ids = Ids([1, 2, 3, 0, 0, 0], [1, 0, 0, 0, 0, 0], [1, 4, 5, 6, 7, 8]);
        using var v = model.forward(x, s, ids);
        Assert.Equal(new long[] { 3, 3, 16, 16 }, v.shape);
        Assert.False(v.isnan().any().item<bool>(), "the velocity has NaNs");
        // The zero-initialised output conv makes a fresh model predict exactly 0, like the DiT.
        Assert.Equal(0f, v.abs().max().item<float>());
    }

    [Fact]
    public void Awake_output_is_finite_at_every_noise_level()
    {
        using var model = Tiny(32, maxTokens: 24);
        Wake(model);
        using var x = randn(2, 3, 32, 32);
        using var s = tensor(new float[] { 0f, 1f });
        using var ids = Ids([1, 2, 3, .. new long[21]], [1, .. new long[23]]);
        using var v = model.forward(x, s, ids);
        Assert.Equal(new long[] { 2, 3, 32, 32 }, v.shape);
        Assert.True(v.isfinite().all().item<bool>(), "the velocity is not finite");
        Assert.True(v.abs().max().item<float>() > 0);
    }

    [Fact]
    public void Padding_tokens_do_not_change_the_prediction()
    {
        using var model = Tiny();
        Wake(model);
        using var x = randn(1, 3, 16, 16);
        using var s = tensor(new float[] { 0.5f });
        using var ids = Ids([1, 2, 3, 0, 0, 0]);
        var caption = model.EncodeCaption(ids);
        using var v1 = model.Velocity(x, s, caption);
        // Whatever the padding positions hold, the masked attention and the pooled vector never read them.
        using var garbage = randn(caption.Tokens.shape) * 10;
        using var padding = ids.eq(0).unsqueeze(2);
        var tampered = caption with { Tokens = where(padding, garbage, caption.Tokens) };
        using var v2 = model.Velocity(x, s, tampered);
        Assert.True(v1.allclose(v2, rtol: 1e-5, atol: 1e-6), $"max difference {(v1 - v2).abs().max().item<float>()}");
    }

    [Fact]
    public void The_caption_changes_the_prediction()
    {
        using var model = Tiny();
        Wake(model);
        using var x = randn(1, 3, 16, 16);
        using var s = tensor(new float[] { 0.5f });
        using var a = Ids([1, 2, 3, 0, 0, 0]);
        using var b = Ids([1, 2, 4, 0, 0, 0]);
        using var v1 = model.forward(x, s, a);
        using var v2 = model.forward(x, s, b);
        Assert.False(v1.allclose(v2), "different captions must give different velocities");
    }

    [Fact]
    public void Presets_have_increasing_parameter_counts_and_round_trip_through_config_json()
    {
        long Count(string preset)
        {
            using var m = ModelRegistry.Create(ModelRegistry.FromPreset(preset, 32, 64, 24, 1.0));
            return m.ParameterCount();
        }
        long tiny = Count("unet-tiny"), small = Count("unet-small");
        Assert.True(tiny < small, $"{tiny} {small}");
        var config = (UNetConfig)ModelRegistry.FromPreset("unet-small", 32, 64, 24, 3.0);
        var read = ModelRegistry.ReadConfig(ModelRegistry.WriteConfig(config), "test");
        var unet = Assert.IsType<UNetConfig>(read);
        Assert.Equal("unet", read.Architecture);
        Assert.Equal(config.ChannelMults, unet.ChannelMults);
        Assert.Equal(config with { ChannelMults = unet.ChannelMults }, unet);
    }

    [Fact]
    public void Patch_size_two_runs_on_half_the_side_and_returns_the_image_shape()
    {
        manual_seed(0);
        var config = (UNetConfig)ModelRegistry.FromPreset("unet-tiny-p2", 16, 10, 6, 1.0);
        Assert.Equal(2, config.PatchSize);
        Assert.Equal(8, config.SideAt(0));
        using var model = ModelRegistry.Create(config);
        using var x = randn(2, 3, 16, 16);
        using var s = tensor(new float[] { 0.2f, 0.9f });
        using var ids = Ids([1, 2, 3, 0, 0, 0], [1, 4, 0, 0, 0, 0]);
        using var fresh = model.forward(x, s, ids);
        Assert.Equal(new long[] { 2, 3, 16, 16 }, fresh.shape);
        Assert.Equal(0f, fresh.abs().max().item<float>());
        Wake(model);
        using var v = model.forward(x, s, ids);
        Assert.True(v.isfinite().all().item<bool>() && v.abs().max().item<float>() > 0);
        // Every pixel of a 2x2 patch gets its own output channel: the four pixels of one patch differ.
        using var patch = v[0, 0].narrow(0, 0, 2).narrow(1, 0, 2).flatten();
        Assert.Equal(4, patch.unique().Item1.shape[0]);
    }

    [Fact]
    public void A_config_written_before_patch_size_existed_reads_as_patch_size_one()
    {
        var config = (UNetConfig)ModelRegistry.FromPreset("unet-tiny", 32, 64, 24, 1.0);
        var json = ModelRegistry.WriteConfig(config).AsObject();
        Assert.True(json.Remove("PatchSize"), json.ToJsonString());
        var read = Assert.IsType<UNetConfig>(ModelRegistry.ReadConfig(json, "old config.json"));
        Assert.Equal(1, read.PatchSize);
        Assert.Equal(config, read with { ChannelMults = config.ChannelMults });
    }

    [Fact]
    public void Image_size_that_is_not_a_multiple_of_the_patch_is_a_clear_error()
    {
        var config = (UNetConfig)ModelRegistry.FromPreset("unet-tiny-p2", 32, 10, 6, 1.0) with { ImageSize = 33 };
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Create(config));
        Assert.Contains("patch size 2", e.Message);
    }

    [Fact]
    public void Image_size_that_does_not_halve_per_level_is_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Create(ModelRegistry.FromPreset("unet-tiny", 30, 10, 6, 1.0)));
        Assert.Contains("image size 30", e.Message);
    }

    [Fact]
    public void Loss_falls_over_a_few_hundred_steps_on_a_tiny_dataset()
    {
        // Eight 8x8 images, left half one colour and right half another, captioned by the two colours.
        string[] names = ["red", "green", "blue", "white"];
        (byte, byte, byte)[] rgb = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)];
        var rows = Enumerable.Range(0, 8).Select(i =>
        {
            int a = i % 4, b = (i / 4 + a + 1) % 4;
            var image = new RgbImage(8, 8);
            for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++)
            {
                var (r, g, bl) = x < 4 ? rgb[a] : rgb[b];
                int o = (y * 8 + x) * 3;
                (image.Pixels[o], image.Pixels[o + 1], image.Pixels[o + 2]) = (r, g, bl);
            }
            return (image, $"{names[a]} {names[b]}", $"row {i}");
        }).ToArray();
        var tokenizer = CaptionTokenizer.Build(rows.Select(r => r.Item2), maxTokens: 4);
        manual_seed(1);
        var config = new UNetConfig
        {
            ImageSize = 8, VocabSize = tokenizer.Vocabulary.Count, MaxTokens = 4, BaseChannels = 8, ChannelMults = [1, 2],
            AttentionResolution = 4, Heads = 2, TextDim = 32, TextHeads = 2, TextLayers = 1,
        };
        using var model = ModelRegistry.Create(config);
        using var data = TrainingSet.Create(rows, tokenizer, 8, CPU);
        using var empty = TrainedModel.EmptyIds(tokenizer, 1, CPU);
        var options = new TrainingOptions { Steps = 300, BatchSize = 8, LearningRate = 3e-3, WarmupSteps = 20, Seed = 2, LogEvery = 50 };
        var summary = new FlowTrainer(model, new SftObjective(), options, data, empty, new ConsoleStageLog("unet", TextWriter.Null)).Train(0, options.Steps, CancellationToken.None);
        double first = summary.Losses.Take(30).Average(), last = summary.Losses.TakeLast(30).Average();
        Assert.True(last < 0.5 * first, $"loss went from {first:F3} to {last:F3}");
    }
}
