using Soar.Core.Curation;
using Soar.Core.Imaging;
using Soar.Core.Models.Pipeline;
using Soar.Core.Models.Vae;
using Soar.Core.Tests.Data;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.Pipeline;

/// <summary>The diffusers pipeline folder: its checks and errors, the latent scaling maths, the centre crop, the prompt table.</summary>
public sealed class SD3PipelineTests
{
    [Fact]
    public void Latents_are_shifted_then_scaled_as_the_sd3_pipeline_does()
    {
        using var vae = new AutoencoderKL(TinySD3Pipeline.Vae);
        // By hand with scaling 1.5305 and shift 0.0609: (1 - 0.0609) * 1.5305 = 1.43729255, 0, (-1 - 0.0609) * 1.5305 = -1.62370745.
        using var z = tensor(new float[] { 1f, 0.0609f, -1f, 0.5f }, [1, 4, 1, 1]);
        using var latents = vae.ToLatents(z);
        var values = latents.data<float>().ToArray();
        Assert.Equal(1.43729255, values[0], 5);
        Assert.Equal(0.0, values[1], 6);
        Assert.Equal(-1.62370745, values[2], 5);
        Assert.Equal((0.5 - 0.0609) * 1.5305, values[3], 5);
        using var back = vae.FromLatents(latents);
        Assert.Equal(z.data<float>().ToArray(), back.data<float>().ToArray(), new Soar.Core.Tests.Models.TextEncoders.FloatTolerance(1e-6f));
    }

    [Fact]
    public void Center_fit_cuts_the_middle_square_without_scaling()
    {
        // 5 x 3 image whose red channel is the column, green the row.
        var image = new RgbImage(5, 3);
        for (int y = 0; y < 3; y++) for (int x = 0; x < 5; x++) { image.Pixels[(y * 5 + x) * 3] = (byte)x; image.Pixels[(y * 5 + x) * 3 + 1] = (byte)y; }
        var square = SquareFitting.Apply(image, 3, SquareFitting.Parse("center"), "wide.png");
        Assert.Equal((3, 3), (square.Width, square.Height));
        Assert.Equal((byte)1, square[0, 0].R);
        Assert.Equal((byte)3, square[2, 2].R);
        Assert.Equal((byte)2, square[2, 2].G);
        var e = Assert.Throws<ImageTooSmallException>(() => SquareFitting.Apply(image, 4, SquareFit.Center, "wide.png"));
        Assert.Contains("wide.png", e.Message);
        Assert.Contains("5x3", e.Message);
        Assert.Contains("ImageSize=4", e.Message);
    }

    [Fact]
    public void A_folder_without_model_index_or_with_a_missing_part_is_a_clear_error()
    {
        using var dir = new TestDirectory();
        var none = Assert.Throws<FileNotFoundException>(() => SD3PipelineFolder.Open(dir.Path));
        Assert.Contains("model_index.json", none.Message);
        Assert.Contains(dir.Path, none.Message);
        Assert.Contains("soar model init --architecture sd3-pipeline", none.Message);

        TinySD3Pipeline.Write(dir.File("p"), seed: 1, withT5: false);
        var folder = SD3PipelineFolder.Open(dir.File("p"));
        Assert.Null(folder.T5Dir);
        Assert.Equal(3.0, folder.TimestepShift());
        Directory.Delete(dir.File("p/vae"), recursive: true);
        var missing = Assert.Throws<DirectoryNotFoundException>(() => SD3PipelineFolder.Open(dir.File("p")));
        Assert.Contains("\"vae\"", missing.Message);
        Assert.Contains(dir.File("p/vae"), missing.Message);
        Assert.Contains("download", missing.Message);
    }

    [Fact]
    public void The_prompt_table_starts_with_the_empty_prompt_and_encodes_each_prompt_once()
    {
        using var dir = new TestDirectory();
        TinySD3Pipeline.Write(dir.File("p"), seed: 2, withT5: true);
        var folder = SD3PipelineFolder.Open(dir.File("p"));
        var reports = new List<string>();
        using var table = PromptTable.Encode(folder, ["a red cat", "a blue dog", "a red cat"], maxSequenceLength: 6, reports.Add);
        Assert.Equal(["", "a blue dog", "a red cat"], table.Prompts);
        Assert.Equal([3L, 77 + 6, 64], table.EncoderHiddenStates.shape);
        Assert.Equal([3L, 64], table.PooledProjections.shape);
        // One size line per encoder, printed before each is loaded.
        Assert.Equal(3, reports.Count(r => r.Contains("parameters") && r.Contains("MB")));
        // The same numbers as encoding with all encoders loaded at once, the empty row as diffusers' negative prompt.
        using var encoder = Soar.Core.Models.TextEncoders.SD3PromptEncoder.Load(dir.File("p"));
        using var all = encoder.Encode(table.Prompts, maxSequenceLength: 6);
        Assert.True(allclose(all.EncoderHiddenStates, table.EncoderHiddenStates, 1e-5, 1e-6));
        Assert.True(allclose(all.PooledProjections, table.PooledProjections, 1e-5, 1e-6));
        using var rows = table.Rows(["a red cat", ""], CPU);
        Assert.Equal([2L, 0L], rows.data<long>().ToArray());
        Assert.Contains("not encoded", Assert.Throws<ArgumentException>(() => table.Rows(["a green fox"], CPU)).Message);
    }
}
