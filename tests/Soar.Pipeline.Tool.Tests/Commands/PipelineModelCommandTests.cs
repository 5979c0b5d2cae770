using Soar.Core.Checkpoints;
using Soar.Core.Imaging;
using Soar.Core.Models.Pipeline;

namespace Soar.Pipeline.Tool.Tests.Commands;

/// <summary>`soar model init --architecture sd3-pipeline` and the encode/decode commands on the whole folder it writes.</summary>
public sealed class PipelineModelCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-pipeline-cmd-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Exit, string Output, string Error) Soar(params string[] args) => ToolRun.Soar(args);

    [Fact]
    public void Init_writes_a_seeded_pipeline_that_encode_and_decode_commands_accept()
    {
        var dir = Path.Combine(_root, "tiny");
        var (exit, output, error) = Soar("model", "init", "--architecture", "sd3-pipeline", "--t5", "--seed", "4", "--out", dir);
        Assert.True(exit == 0, error);
        Assert.Contains("text_encoder_3:", output);
        var folder = SD3PipelineFolder.Open(dir);
        Assert.NotNull(folder.T5Dir);
        // Seeded: the same seed writes the same weights.
        Assert.Equal(0, Soar("model", "init", "--architecture", "sd3-pipeline", "--t5", "--seed", "4", "--out", Path.Combine(_root, "again")).Exit);
        Assert.Equal(folder.VaeHash(), SD3PipelineFolder.Open(Path.Combine(_root, "again")).VaeHash());

        var image = Path.Combine(_root, "in.png");
        var pixels = new RgbImage(32, 32);
        new Random(1).NextBytes(pixels.Pixels);
        ImageCodec.SavePng(pixels, image);
        var latents = Path.Combine(_root, "latents.safetensors");
        Assert.True(Soar("model", "encode-image", "--model", dir, "--image", image, "--out", latents) is { Exit: 0 });
        Assert.Equal([1L, 4, 8, 8], SafeTensorsFile.Load(latents).Tensors["latents"].shape);
        var decoded = Path.Combine(_root, "out.png");
        Assert.True(Soar("model", "decode-latents", "--model", dir, "--latents", latents, "--out", decoded) is { Exit: 0 });
        Assert.Equal(32, ImageCodec.Decode(File.ReadAllBytes(decoded), decoded).Width);
        var text = Path.Combine(_root, "text.safetensors");
        var encoded = Soar("model", "encode-text", "--model", dir, "--prompt", "a red cat", "--max-length", "8", "--out", text);
        Assert.True(encoded.Exit == 0, encoded.Error);
        Assert.Equal([1L, 77 + 8, 64], SafeTensorsFile.Load(text).Tensors["encoder_hidden_states"].shape);
    }

    [Fact]
    public void T5_and_config_options_are_refused_where_they_do_not_apply()
    {
        var (exit, _, error) = Soar("model", "init", "--architecture", "vae", "--t5", "--out", Path.Combine(_root, "x"));
        Assert.NotEqual(0, exit);
        Assert.Contains("--t5", error);
    }
}
