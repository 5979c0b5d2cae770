using Soar.Core.Models.TextEncoders;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.TextEncoders;

/// <summary>CLIPTextModelWithProjection's maths: the causal mask, pooling at the end-of-text token, the hidden states SD3 reads.</summary>
public sealed class ClipTextModelTests
{
    [Fact]
    public void The_causal_mask_is_zero_on_and_below_the_diagonal_and_minus_infinity_above()
    {
        using var mask = ClipTextTransformer.CausalMask(3);
        var v = mask.data<float>().ToArray();
        float inf = float.NegativeInfinity;
        Assert.Equal(new[] { 0f, inf, inf, 0f, 0f, inf, 0f, 0f, 0f }, v);
    }

    [Fact]
    public void Pooling_takes_the_first_eos_or_for_legacy_configs_the_largest_id()
    {
        // Row 0: eos 9 first at 2 (padded with eos); row 1: eos at 3 (padded with 0, the "!" of CLIP-G).
        using var ids = tensor(new long[] { 5, 7, 9, 9, 9, 4, 6, 8, 3, 9, 0, 0 }, [2, 6]);
        Assert.Equal(new long[] { 2, 3 }, ClipTextTransformer.PooledIndex(ids, eosTokenId: 9).data<long>().ToArray());
        // eos_token_id 2 (SD3's configs): argmax of the ids, whose first maximum is the first eos (the largest id).
        Assert.Equal(new long[] { 2, 3 }, ClipTextTransformer.PooledIndex(ids, eosTokenId: 2).data<long>().ToArray());
        // Without the legacy rule an id 2 would be searched for literally: nowhere, so position 0.
        using var noEos = tensor(new long[] { 5, 7, 3 }, [1, 3]);
        Assert.Equal(0L, ClipTextTransformer.PooledIndex(noEos, eosTokenId: 9).item<long>());
    }

    [Fact]
    public void Quick_gelu_gelu_and_gelu_new_match_their_formulas_at_one()
    {
        using var one = tensor(new[] { 1f, -2f });
        // 1 * sigmoid(1.702) = 1 / (1 + e^-1.702) and -2 * sigmoid(-3.404) = -2 / (1 + e^3.404).
        Assert.Equal(new[] { 0.845796f, -0.064341f }, TransformersActivation.Get("quick_gelu")(one).data<float>().ToArray(), new FloatTolerance(1e-5f));
        // 0.5 x (1 + erf(x / sqrt 2)).
        Assert.Equal(new[] { 0.841345f, -0.045500f }, TransformersActivation.Get("gelu")(one).data<float>().ToArray(), new FloatTolerance(1e-5f));
        // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
        Assert.Equal(new[] { 0.841192f, -0.045402f }, TransformersActivation.Get("gelu_new")(one).data<float>().ToArray(), new FloatTolerance(1e-5f));
        Assert.Contains("quick_gelu", Assert.Throws<ArgumentException>(() => TransformersActivation.Get("mish")).Message);
    }

    [Theory]
    [InlineData("quick_gelu")]
    [InlineData("gelu")]
    public void The_forward_matches_the_formulas_written_out_from_the_weights(string act)
    {
        using var model = TinyText.ClipModel(TinyText.Clip(16, 2, act, 8), seed: 4);
        using var ids = tensor(new long[] { 512, 70, 71, 513, 513, 512, 3, 513, 0, 0 }, [2, 5]);
        using var output = model.Forward(ids);
        var (states, last, pooled, embeds) = Reference(model, ids, act);
        Assert.Equal(3, output.HiddenStates.Count);
        for (int i = 0; i < states.Count; i++) Assert.True(output.HiddenStates[i].allclose(states[i], rtol: 1e-4, atol: 1e-5), $"hidden_states[{i}]");
        Assert.True(output.LastHiddenState.allclose(last, rtol: 1e-4, atol: 1e-5));
        Assert.True(output.PoolerOutput.allclose(pooled, rtol: 1e-4, atol: 1e-5));
        Assert.True(output.TextEmbeds.allclose(embeds, rtol: 1e-4, atol: 1e-5));
        // SD3's hidden_states[-2] is layer 0's output, not final-normed; the last state is the final-normed one.
        Assert.Same(output.HiddenStates[1], output.Penultimate());
        Assert.Same(output.HiddenStates[0], output.Penultimate(clipSkip: 1));
        Assert.False(output.Penultimate().allclose(output.LastHiddenState));
        Assert.Equal(new long[] { 2, 8 }, output.TextEmbeds.shape);
    }

    [Fact]
    public void A_token_sees_only_itself_and_what_precedes_it()
    {
        using var model = TinyText.ClipModel(TinyText.Clip(), seed: 5);
        using var a = tensor(new long[] { 512, 10, 20, 30, 513 }, [1, 5]);
        using var b = tensor(new long[] { 512, 10, 99, 98, 97 }, [1, 5]);
        using var outA = model.Forward(a);
        using var outB = model.Forward(b);
        var lastA = outA.HiddenStates[^1];
        var lastB = outB.HiddenStates[^1];
        Assert.True(lastA[.., ..2].allclose(lastB[.., ..2], rtol: 1e-5, atol: 1e-6));
        Assert.False(lastA[.., 2].allclose(lastB[.., 2], rtol: 1e-3, atol: 1e-4));
        Assert.Throws<ArgumentException>(() => model.Forward(zeros(1, 78, dtype: ScalarType.Int64)));
    }

    /// <summary>CLIP's text tower written out from its state dict: LN(x) = (x - mean) / sqrt(var + eps) w + b, attention softmax(q k^T / sqrt(d) + causal) v.</summary>
    private static (List<Tensor> States, Tensor Last, Tensor Pooled, Tensor Embeds) Reference(ClipTextModelWithProjection model, Tensor ids, string act)
    {
        var w = model.state_dict();
        var c = model.Config;
        Tensor P(string name) => w[name];
        Tensor Ln(Tensor x, string prefix)
        {
            var mean = x.mean([-1], keepdim: true);
            var variance = (x - mean).pow(2).mean([-1], keepdim: true);
            return (x - mean) / sqrt(variance + c.LayerNormEps) * P(prefix + ".weight") + P(prefix + ".bias");
        }
        Tensor Lin(Tensor x, string prefix) => matmul(x, P(prefix + ".weight").t()) + P(prefix + ".bias");
        long b = ids.shape[0], l = ids.shape[1], d = c.HiddenSize, heads = c.NumAttentionHeads, hd = d / heads;
        var x = P("text_model.embeddings.token_embedding.weight").index(ids) + P("text_model.embeddings.position_embedding.weight")[..(int)l];
        var mask = zeros(l, l);
        for (int i = 0; i < l; i++) for (int j = i + 1; j < l; j++) mask[i, j] = float.NegativeInfinity;
        var states = new List<Tensor> { x };
        for (int layer = 0; layer < c.NumHiddenLayers; layer++)
        {
            var p = $"text_model.encoder.layers.{layer}.";
            var h = Ln(x, p + "layer_norm1");
            Tensor Split(Tensor t) => t.reshape(b, l, heads, hd).permute(0, 2, 1, 3);
            var q = Split(Lin(h, p + "self_attn.q_proj"));
            var k = Split(Lin(h, p + "self_attn.k_proj"));
            var v = Split(Lin(h, p + "self_attn.v_proj"));
            var attention = softmax(matmul(q, k.transpose(2, 3)) / Math.Sqrt(hd) + mask, 3);
            x = x + Lin(matmul(attention, v).permute(0, 2, 1, 3).reshape(b, l, d), p + "self_attn.out_proj");
            var m = Lin(Ln(x, p + "layer_norm2"), p + "mlp.fc1");
            m = act == "quick_gelu" ? m * sigmoid(1.702 * m) : 0.5 * m * (1 + special.erf(m / Math.Sqrt(2)));
            x = x + Lin(m, p + "mlp.fc2");
            states.Add(x);
        }
        var last = Ln(x, "text_model.final_layer_norm");
        var rows = new List<Tensor>();
        for (int r = 0; r < b; r++) rows.Add(last[r, ids[r].argmax().item<long>()]);
        var pooled = stack(rows);
        return (states, last, pooled, matmul(pooled, P("text_projection.weight").t()));
    }
}
