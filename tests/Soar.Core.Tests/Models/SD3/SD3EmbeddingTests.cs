using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.SD3;

/// <summary>The fixed embeddings against numbers computed by hand from diffusers' formulas.</summary>
public sealed class SD3EmbeddingTests
{
    [Fact]
    public void The_sin_cos_table_is_scaled_by_base_size_and_cropped_at_the_centre()
    {
        // Width 8 (w = 1, 0.01), a 4 x 4 table, base size 2 (sample 4 / patch 2): cell (i, j) sits at (i, j) * 2 / 4.
        // A 2 x 2 grid crops rows 1..2, columns 1..2 (top = left = (4 - 2) / 2 = 1).
        using var embed = new PatchEmbed(sampleSize: 4, patchSize: 2, inChannels: 16, dim: 8, posEmbedMaxSize: 4);
        using var crop = embed.Cropped(2, 2);
        Assert.Equal(new long[] { 1, 4, 8 }, crop.shape);
        // Token 1 = (row 1, column 2): column position 1.0, row position 0.5.
        // Channels: sin(col w), cos(col w), sin(row w), cos(row w), each for w = 1, 0.01.
        float[] token1 =
        [
            0.84147098f, 0.00999983f, 0.54030231f, 0.99995000f,
            0.47942554f, 0.00499998f, 0.87758256f, 0.99998750f,
        ];
        Assert.Equal(token1, crop[0, 1].data<float>().ToArray(), new FloatTolerance(1e-6f));
        // Token 2 = (row 2, column 1): the halves swap.
        float[] token2 =
        [
            0.47942554f, 0.00499998f, 0.87758256f, 0.99998750f,
            0.84147098f, 0.00999983f, 0.54030231f, 0.99995000f,
        ];
        Assert.Equal(token2, crop[0, 2].data<float>().ToArray(), new FloatTolerance(1e-6f));
        // The table's first cell (0, 0): sin 0 = 0, cos 0 = 1.
        var table = PatchEmbed.SinCosTable(8, 4, 2);
        Assert.Equal(new float[] { 0, 0, 1, 1, 0, 0, 1, 1 }, table[..8]);
        Assert.Throws<ArgumentException>(() => embed.Cropped(5, 2));
    }

    [Fact]
    public void Timestep_features_are_cos_then_sin_without_frequency_shift()
    {
        // flip_sin_to_cos: [cos(t f_i), sin(t f_i)], f_i = 10000^(-i / 128), i < 128 (downscale_freq_shift = 0).
        using var f = TimestepTextEmbedding.Features(tensor(new float[] { 500f }));
        Assert.Equal(new long[] { 1, 256 }, f.shape);
        var v = f[0].data<float>().ToArray();
        Assert.Equal(-0.88384927f, v[0], 1e-4f);     // cos(500)
        Assert.Equal(-0.46777181f, v[128], 1e-4f);   // sin(500)
        Assert.Equal(0.94594258f, v[1], 1e-4f);      // cos(500 * 10000^(-1/128))
        Assert.Equal(0.32433414f, v[129], 1e-4f);    // sin(500 * 10000^(-1/128))
        Assert.Equal(0.28366219f, v[64], 1e-5f);     // cos(500 * 0.01)
        Assert.Equal(-0.95892427f, v[192], 1e-5f);   // sin(500 * 0.01)
    }

    [Fact]
    public void Rms_norm_divides_by_the_root_mean_square()
    {
        using var norm = new RmsNorm(2, 1e-6);
        // x = (3, 4): rms = sqrt((9 + 16) / 2) = 3.5355339.
        using var y = norm.forward(tensor(new float[] { 3f, 4f }).view(1, 2));
        Assert.Equal(new[] { 0.84852814f, 1.13137085f }, y.data<float>().ToArray(), new FloatTolerance(1e-5f));
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float f) => 0;
    }
}
