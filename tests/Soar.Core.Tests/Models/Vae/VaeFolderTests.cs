using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Models.SD3;
using Soar.Core.Models.Vae;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.Vae;

/// <summary>vae/config.json and diffusion_pytorch_model.safetensors: reading every key, round trips, and the errors.</summary>
public sealed class VaeFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-vae-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>stabilityai/stable-diffusion-3-medium-diffusers vae/config.json.</summary>
    private const string SD3VaeConfig = """
    {
      "_class_name": "AutoencoderKL", "_diffusers_version": "0.29.0.dev0",
      "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
      "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D"],
      "force_upcast": true, "in_channels": 3, "latent_channels": 16, "latents_mean": null, "latents_std": null,
      "layers_per_block": 2, "norm_num_groups": 32, "out_channels": 3, "sample_size": 1024,
      "scaling_factor": 1.5305, "shift_factor": 0.0609,
      "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"],
      "use_post_quant_conv": false, "use_quant_conv": false
    }
    """;

    private static VaeConfig Parse(string json) => VaeConfig.FromDiffusersJson(JsonNode.Parse(json)!.AsObject(), "config.json");

    [Fact]
    public void SD3_s_vae_config_reads_every_key_and_absent_keys_take_diffusers_defaults()
    {
        var c = Parse(SD3VaeConfig);
        Assert.Equal([128, 256, 512, 512], c.BlockOutChannels);
        Assert.Equal(16, c.LatentChannels);
        Assert.Equal(2, c.LayersPerBlock);
        Assert.Equal(1.5305, c.ScalingFactor);
        Assert.Equal(0.0609, c.ShiftFactor);
        Assert.False(c.UseQuantConv);
        Assert.False(c.UsePostQuantConv);
        Assert.True(c.MidBlockAddAttention);
        Assert.Equal(1024, c.SampleSize);
        Assert.Equal(8, c.DownscaleFactor);

        var defaults = Parse("""{"_class_name": "AutoencoderKL"}""");
        Assert.Equal(new VaeConfig(), defaults);
        Assert.True(defaults.UseQuantConv && defaults.UsePostQuantConv);
        Assert.Null(defaults.ShiftFactor);
        Assert.Equal(0.18215, defaults.ScalingFactor);
        Assert.Equal(c, Parse(c.ToDiffusersJson()));
        Assert.Equal([1.0, 2.0], Parse("""{"latents_mean": [1, 2], "latents_std": [3, 4]}""").LatentsMean);
    }

    [Fact]
    public void Unknown_keys_a_foreign_class_and_unsupported_values_are_errors_that_name_them()
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse("""{"latent_channel": 4, "scale": 1, "_anything": 1}"""));
        Assert.Contains("\"latent_channel\", \"scale\"", e.Message);
        Assert.DoesNotContain("_anything\"", e.Message.Split(';')[0]);
        Assert.Contains("SD3Transformer2DModel", Assert.Throws<InvalidDataException>(() => Parse("""{"_class_name": "SD3Transformer2DModel"}""")).Message);
        Assert.Contains("act_fn \"gelu\"", Assert.Throws<InvalidDataException>(() => Parse("""{"act_fn": "gelu"}""")).Message);
        Assert.Contains("\"use_quant_conv\" is \"yes\"", Assert.Throws<InvalidDataException>(() => Parse("""{"use_quant_conv": "yes"}""")).Message);
        Assert.Contains("norm_num_groups 32", Assert.Throws<InvalidDataException>(() => Parse("""{"block_out_channels": [48]}""")).Message);
        Assert.Contains("down_block_types", Assert.Throws<InvalidDataException>(() => Parse("""{"block_out_channels": [64, 64]}""")).Message);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void Save_then_load_gives_the_same_weights_in_the_chosen_dtype(ScalarType dtype)
    {
        using var model = TinyVae.Model(TinyVae.Config(16, quantConvs: false, scaling: 1.5305, shift: 0.0609));
        var dir = Path.Combine(_root, "pipe", VaeFolder.Subfolder);
        VaeFolder.Save(dir, model, dtype);
        var (stored, _) = SafeTensorsFile.Load(Path.Combine(dir, DiffusersFolder.WeightsFile));
        Assert.All(stored.Values, t => Assert.Equal(dtype, t.dtype));
        using var loaded = VaeFolder.Load(Path.Combine(_root, "pipe"));   // a pipeline folder resolves to its vae/
        Assert.Equal(model.Config, loaded.Config);
        var expected = model.state_dict();
        foreach (var (name, t) in loaded.state_dict())
            Assert.True(t.equal(expected[name].to(dtype).to(ScalarType.Float32)).all().item<bool>(), name);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, DiffusersFolder.ConfigFile)))!.AsObject();
        Assert.Equal("AutoencoderKL", json["_class_name"]!.GetValue<string>());
        Assert.Equal(0.0609, json["shift_factor"]!.GetValue<double>());
        Assert.False(json["use_quant_conv"]!.GetValue<bool>());
    }

    [Fact]
    public void Weights_that_do_not_fit_the_config_list_every_missing_unexpected_and_mis_shaped_tensor()
    {
        using var model = TinyVae.Model(TinyVae.Config());
        var dir = Path.Combine(_root, "vae");
        VaeFolder.Save(dir, model);
        // The same weights under a config without quant convs and with 16 latent channels.
        File.WriteAllText(Path.Combine(dir, DiffusersFolder.ConfigFile), (TinyVae.Config(16, quantConvs: false) with { MidBlockAddAttention = true }).ToDiffusersJson());
        var e = Assert.Throws<InvalidDataException>(() => VaeFolder.Load(dir));
        Assert.Contains("unexpected 4: post_quant_conv.bias [4], post_quant_conv.weight [4, 4, 1, 1], quant_conv.bias [8], quant_conv.weight [8, 8, 1, 1]", e.Message);
        Assert.Contains("mis-shaped 3: decoder.conv_in.weight is [16, 4, 3, 3], the model needs [16, 16, 3, 3]", e.Message);
        Assert.Contains("encoder.conv_out.bias is [8], the model needs [32]", e.Message);

        File.WriteAllText(Path.Combine(dir, DiffusersFolder.ConfigFile), (TinyVae.Config() with { MidBlockAddAttention = true, LayersPerBlock = 2 }).ToDiffusersJson());
        var missing = Assert.Throws<InvalidDataException>(() => VaeFolder.Load(dir));
        Assert.Contains("missing ", missing.Message);
        Assert.Contains("encoder.down_blocks.0.resnets.1.conv1.weight [8, 8, 3, 3]", missing.Message);
        Assert.Contains("use_quant_conv", missing.Message);
    }

    [Fact]
    public void A_folder_without_a_config_says_what_it_expected()
    {
        var e = Assert.Throws<FileNotFoundException>(() => VaeFolder.Load(_root));
        Assert.Contains("vae/", e.Message);
    }
}
