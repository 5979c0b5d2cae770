using Soar.Core.Models.TextEncoders;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.TextEncoders;

/// <summary>T5EncoderModel's maths: relative position buckets, the RMS norm, unscaled attention with the first block's bias.</summary>
public sealed class T5EncoderTests
{
    /// <summary>
    /// 32 buckets, max distance 128: 16 per direction (r &gt; 0 adds 16), exact below 8, else
    /// 8 + floor(ln(|r| / 8) / ln(128 / 8) * 8), at most 15. E.g. r = -20: ln 2.5 / ln 16 * 8 = 2.64 -> 8 + 2 = 10;
    /// r = 100: ln 12.5 / ln 16 * 8 = 7.29 -> 16 + 15 = 31; r = -500: 8 + 11 = 19, capped at 15.
    /// </summary>
    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(0, 3, 19)]
    [InlineData(3, 0, 3)]
    [InlineData(0, 7, 23)]
    [InlineData(0, 8, 24)]
    [InlineData(20, 0, 10)]
    [InlineData(0, 100, 31)]
    [InlineData(0, 128, 31)]
    [InlineData(500, 0, 15)]
    [InlineData(0, 15, 25)]
    public void Relative_position_buckets_follow_the_formula(int query, int key, int bucket)
    {
        Assert.Equal(bucket, T5RelativePosition.Bucket(key - query, 32, 128));
    }

    [Fact]
    public void The_bucket_table_agrees_with_the_formula_at_every_pair()
    {
        using var table = T5RelativePosition.Buckets(40, 40, 32, 128);
        var got = table.data<long>().ToArray();
        for (int i = 0; i < 40; i++) for (int j = 0; j < 40; j++) Assert.Equal(T5RelativePosition.Bucket(j - i, 32, 128), got[i * 40 + j]);
        using var small = T5RelativePosition.Buckets(12, 12, 8, 10);
        var s = small.data<long>().ToArray();
        for (int i = 0; i < 12; i++) for (int j = 0; j < 12; j++) Assert.Equal(T5RelativePosition.Bucket(j - i, 8, 10), s[i * 12 + j]);
    }

    [Fact]
    public void T5_layer_norm_scales_by_the_root_mean_square_without_subtracting_the_mean()
    {
        using var norm = new T5LayerNorm(2, 1e-6);
        using (no_grad()) norm.parameters().First().copy_(tensor(new[] { 2f, 0.5f }));
        // mean of squares (9 + 16) / 2 = 12.5; [3, 4] / sqrt(12.5) = [0.848528, 1.131371]; times [2, 0.5].
        using var y = norm.forward(tensor(new[] { 3f, 4f }));
        Assert.Equal(new[] { 1.697056f, 0.565685f }, y.data<float>().ToArray(), new FloatTolerance(1e-5f));
    }

    [Theory]
    [InlineData("gated-gelu")]
    [InlineData("relu")]
    public void The_forward_matches_the_formulas_written_out_from_the_weights(string ffn)
    {
        using var model = TinyText.T5Model(TinyText.T5(ffn), seed: 6);
        using var ids = tensor(new long[] { 5, 9, 13, 1, 0, 7, 1, 0, 0, 0 }, [2, 5]);
        using var output = model.Forward(ids);
        using var expected = Reference(model, ids);
        Assert.Equal(new long[] { 2, 5, 16 }, output.shape);
        Assert.True(output.allclose(expected, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Only_the_first_block_has_a_relative_attention_bias_and_the_feed_forward_follows_feed_forward_proj()
    {
        using var gated = new T5EncoderModel(TinyText.T5("gated-gelu", layers: 3));
        var names = gated.state_dict().Keys.ToList();
        Assert.Contains("encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight", names);
        Assert.DoesNotContain("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight", names);
        Assert.Contains("encoder.block.2.layer.1.DenseReluDense.wi_0.weight", names);
        Assert.Contains("encoder.block.2.layer.1.DenseReluDense.wi_1.weight", names);
        Assert.Contains("shared.weight", names);
        Assert.Contains("encoder.final_layer_norm.weight", names);
        Assert.DoesNotContain(names, n => n.EndsWith(".bias") && !n.Contains("relative_attention_bias"));
        Assert.Equal("gelu_new", gated.Config.DenseActFn);
        using var relu = new T5EncoderModel(TinyText.T5("relu"));
        Assert.Contains("encoder.block.0.layer.1.DenseReluDense.wi.weight", relu.state_dict().Keys);
        Assert.Equal(new long[] { 32, 2 }, gated.state_dict()["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"].shape);
    }

    /// <summary>
    /// T5's encoder written out from its state dict: RMS(x) = w x / sqrt(mean x^2 + eps); scores q k^T (no scaling) plus
    /// bias[h, i, j] = relative_attention_bias[bucket(j - i), h] from block 0, reused by every block; gated-gelu
    /// wo(gelu_new(wi_0 x) * wi_1 x) or relu wo(relu(wi x)).
    /// </summary>
    private static Tensor Reference(T5EncoderModel model, Tensor ids)
    {
        var w = model.state_dict();
        var c = model.Config;
        Tensor Rms(Tensor x, string name) => w[name] * x / sqrt(x.pow(2).mean([-1], keepdim: true) + c.LayerNormEpsilon);
        Tensor Lin(Tensor x, string name) => matmul(x, w[name].t());
        long b = ids.shape[0], l = ids.shape[1], heads = c.NumHeads, dk = c.DKv;
        var table = w["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"];
        var bias = zeros(heads, l, l);
        for (int h = 0; h < heads; h++) for (int i = 0; i < l; i++) for (int j = 0; j < l; j++)
            bias[h, i, j] = table[T5RelativePosition.Bucket(j - i, c.RelativeAttentionNumBuckets, c.RelativeAttentionMaxDistance), h];
        var x = w["shared.weight"].index(ids);
        for (int block = 0; block < c.NumLayers; block++)
        {
            var p = $"encoder.block.{block}.layer.";
            var n = Rms(x, p + "0.layer_norm.weight");
            Tensor Split(Tensor t) => t.reshape(b, l, heads, dk).permute(0, 2, 1, 3);
            var q = Split(Lin(n, p + "0.SelfAttention.q.weight"));
            var k = Split(Lin(n, p + "0.SelfAttention.k.weight"));
            var v = Split(Lin(n, p + "0.SelfAttention.v.weight"));
            var attention = softmax(matmul(q, k.transpose(2, 3)) + bias, 3);
            x = x + Lin(matmul(attention, v).permute(0, 2, 1, 3).reshape(b, l, heads * dk), p + "0.SelfAttention.o.weight");
            var f = Rms(x, p + "1.layer_norm.weight");
            Tensor hidden;
            if (c.IsGatedAct)
            {
                var g = Lin(f, p + "1.DenseReluDense.wi_0.weight");
                hidden = 0.5 * g * (1 + tanh(Math.Sqrt(2 / Math.PI) * (g + 0.044715 * g.pow(3)))) * Lin(f, p + "1.DenseReluDense.wi_1.weight");
            }
            else hidden = nn.functional.relu(Lin(f, p + "1.DenseReluDense.wi.weight"));
            x = x + Lin(hidden, p + "1.DenseReluDense.wo.weight");
        }
        return Rms(x, "encoder.final_layer_norm.weight");
    }
}
