using Soar.Core.Checkpoints;
using Soar.Core.Imaging;
using Soar.Core.Models.SD3;
using Soar.Core.Models.Vae;
using static TorchSharp.torch;

namespace Soar.Pipeline.Tool.Tests.Commands;

/// <summary>`soar model init --architecture vae / encode-image / decode-latents` on a tiny AutoencoderKL config.</summary>
public sealed class VaeModelCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-vae-cmd-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>SD3's VAE shape in miniature: 16 latent channels, no quant convs, SD3's scaling and shift.</summary>
    private const string TinyConfig = """
    {"_class_name": "AutoencoderKL", "_diffusers_version": "0.29.0", "block_out_channels": [8, 16],
     "down_block_types": ["DownEncoderBlock2D", "DownEncoderBlock2D"], "up_block_types": ["UpDecoderBlock2D", "UpDecoderBlock2D"],
     "layers_per_block": 1, "norm_num_groups": 4, "latent_channels": 16, "sample_size": 16,
     "scaling_factor": 1.5305, "shift_factor": 0.0609, "use_quant_conv": false, "use_post_quant_conv": false}
    """;

    private static (int Exit, string Output, string Error) Soar(params string[] args) => ToolRun.Soar(args);

    private string Init(string name, int seed = 7)
    {
        var config = Path.Combine(_root, "config.json");
        File.WriteAllText(config, TinyConfig);
        var (exit, output, error) = Soar("model", "init", "--architecture", "vae", "--config", config, "--seed", seed.ToString(), "--out", Path.Combine(_root, name));
        Assert.True(exit == 0, error);
        Assert.Contains("parameters", output);
        return Path.Combine(_root, name);
    }

    private string Png()
    {
        var image = new RgbImage(16, 8);
        for (int y = 0; y < 8; y++) for (int x = 0; x < 16; x++) image[x, y] = ((byte)(16 * x), (byte)(32 * y), (byte)(255 - 10 * x));
        var path = Path.Combine(_root, "in.png");
        ImageCodec.SavePng(image, path);
        return path;
    }

    [Fact]
    public void Init_writes_a_seeded_vae_folder_in_the_diffusers_layout()
    {
        var a = Init("a");
        Assert.True(File.Exists(Path.Combine(a, "vae", DiffusersFolder.ConfigFile)));
        Assert.True(File.Exists(Path.Combine(a, "vae", DiffusersFolder.WeightsFile)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "vae", DiffusersFolder.WeightsFile)), File.ReadAllBytes(Path.Combine(Init("b"), "vae", DiffusersFolder.WeightsFile)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(a, "vae", DiffusersFolder.WeightsFile)), File.ReadAllBytes(Path.Combine(Init("c", seed: 8), "vae", DiffusersFolder.WeightsFile)));
        using var vae = VaeFolder.Load(a);
        Assert.Equal(16, vae.Config.LatentChannels);
        Assert.DoesNotContain(vae.state_dict().Keys, k => k.Contains("quant_conv"));

        var bad = Path.Combine(_root, "bad.json");
        File.WriteAllText(bad, """{"_class_name": "AutoencoderKL", "latent_channel": 4}""");
        var refused = Soar("model", "init", "--architecture", "vae", "--config", bad, "--out", Path.Combine(_root, "d"));
        Assert.Equal(1, refused.Exit);
        Assert.Contains("\"latent_channel\"", refused.Error);
        Assert.False(Directory.Exists(Path.Combine(_root, "d")));
    }

    [Fact]
    public void Encode_image_writes_the_posterior_and_the_scaled_latents_the_module_computes()
    {
        var model = Init("m");
        var png = Png();
        var outPath = Path.Combine(_root, "latents.safetensors");
        var run = Soar("model", "encode-image", "--model", model, "--image", png, "--out", outPath);
        Assert.True(run.Exit == 0, run.Error);
        var (written, _) = SafeTensorsFile.Load(outPath);
        Assert.Equal(["latent_dist.logvar", "latent_dist.mean", "latents"], written.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 1, 16, 4, 8 }, written["latents"].shape);

        using var vae = VaeFolder.Load(model);
        using var noGrad = no_grad();
        // The PNG's pixels as [-1, 1] NCHW: 2 * p / 255 - 1.
        var image = ImageCodec.Decode(File.ReadAllBytes(png), png);
        var pixels = new float[3 * 8 * 16];
        for (int c = 0; c < 3; c++) for (int y = 0; y < 8; y++) for (int x = 0; x < 16; x++)
            pixels[(c * 8 + y) * 16 + x] = 2f * image.Pixels[(y * 16 + x) * 3 + c] / 255f - 1f;
        using var posterior = vae.Encode(tensor(pixels).view(1, 3, 8, 16));
        Assert.True(written["latent_dist.mean"].allclose(posterior.Mean, rtol: 1e-5, atol: 1e-6));
        Assert.True(written["latent_dist.logvar"].allclose(posterior.LogVar, rtol: 1e-5, atol: 1e-6));
        Assert.True(written["latents"].allclose((posterior.Mean - 0.0609) * 1.5305, rtol: 1e-5, atol: 1e-6));

        var sampled = Path.Combine(_root, "sampled.safetensors");
        Assert.Equal(0, Soar("model", "encode-image", "--model", model, "--image", png, "--sample", "--seed", "3", "--out", sampled).Exit);
        var again = Path.Combine(_root, "again.safetensors");
        Assert.Equal(0, Soar("model", "encode-image", "--model", model, "--image", png, "--sample", "--seed", "3", "--out", again).Exit);
        var s = SafeTensorsFile.Load(sampled).Tensors["latents"];
        Assert.True(s.equal(SafeTensorsFile.Load(again).Tensors["latents"]).all().item<bool>());
        using var g = new Generator(3);
        var z = posterior.Mean + exp(0.5 * posterior.LogVar) * randn([1, 16, 4, 8], generator: g);
        Assert.True(s.allclose((z - 0.0609) * 1.5305, rtol: 1e-5, atol: 1e-5));

        var seedAlone = Soar("model", "encode-image", "--model", model, "--image", png, "--seed", "3", "--out", Path.Combine(_root, "x.safetensors"));
        Assert.Equal(1, seedAlone.Exit);
        Assert.Contains("--sample", seedAlone.Error);
    }

    [Fact]
    public void Decode_latents_unscales_them_and_writes_the_sample_or_a_png()
    {
        var model = Init("m");
        manual_seed(2);
        var latents = randn(1, 16, 4, 4);
        var inPath = Path.Combine(_root, "in.safetensors");
        SafeTensorsFile.Save(inPath, new Dictionary<string, Tensor> { ["latents"] = latents });

        var outPath = Path.Combine(_root, "sample.safetensors");
        var run = Soar("model", "decode-latents", "--model", model, "--latents", inPath, "--out", outPath);
        Assert.True(run.Exit == 0, run.Error);
        var sample = SafeTensorsFile.Load(outPath).Tensors["sample"];
        Assert.Equal(new long[] { 1, 3, 8, 8 }, sample.shape);
        using var vae = VaeFolder.Load(model);
        using (no_grad())
            Assert.True(sample.allclose(vae.Decode(latents / 1.5305 + 0.0609), rtol: 1e-5, atol: 1e-6));

        var png = Path.Combine(_root, "out.png");
        Assert.Equal(0, Soar("model", "decode-latents", "--model", model, "--latents", inPath, "--out", png).Exit);
        var image = ImageCodec.Decode(File.ReadAllBytes(png), png);
        Assert.Equal((8, 8), (image.Width, image.Height));
        // Pixel (x, y) channel c: round((clamp(sample, -1, 1) + 1) * 127.5), diffusers' denormalise then * 255.
        for (int c = 0; c < 3; c++) for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++)
        {
            double v = Math.Clamp(sample[0, c, y, x].item<float>(), -1.0, 1.0);
            Assert.Equal((byte)Math.Round((v + 1) * 127.5), image.Pixels[(y * 8 + x) * 3 + c]);
        }

        var wrong = Path.Combine(_root, "wrong.safetensors");
        SafeTensorsFile.Save(wrong, new Dictionary<string, Tensor> { ["z"] = latents });
        var missing = Soar("model", "decode-latents", "--model", model, "--latents", wrong, "--out", Path.Combine(_root, "x.safetensors"));
        Assert.Equal(1, missing.Exit);
        Assert.Contains("no tensor 'latents'", missing.Error);
        var badOut = Soar("model", "decode-latents", "--model", model, "--latents", inPath, "--out", Path.Combine(_root, "x.jpg"));
        Assert.Equal(1, badOut.Exit);
        Assert.Contains(".png", badOut.Error);
    }
}
