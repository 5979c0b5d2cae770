using Soar.Core.Models.SD3;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Soar.Core.Tests.Models.SD3;

/// <summary>
/// The whole forward recomputed from the state dict with plain tensor ops, written from diffusers' formulas
/// (JointTransformerBlock, JointAttnProcessor2_0, AdaLayerNormZero / ZeroX / Continuous, CombinedTimestepTextProjEmbeddings),
/// with attention as an explicit softmax(q k^T / sqrt(head_dim)) v: chunk orders, gates, the context-pre-only last block
/// and the dual attention are checked end to end.
/// </summary>
public sealed class SD3ReferenceForwardTests
{
    [Theory]
    [InlineData(null, new int[0])]
    [InlineData("rms_norm", new[] { 0 })]
    public void The_module_forward_equals_the_formulas(string? qkNorm, int[] dual)
    {
        var config = TinySD3.Config(qkNorm, dual);
        using var model = TinySD3.Model(config);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Non-trivial qk-norm weights, so a norm applied to the wrong tensor would show.
        foreach (var (name, p) in model.named_parameters()) if (name.Contains("norm_")) p.uniform_(0.5, 1.5);
        var sd = model.state_dict();
        var inputs = TinySD3.Inputs();
        Tensor x = inputs["hidden_states"], t = inputs["timestep"], enc = inputs["encoder_hidden_states"], pooled = inputs["pooled_projections"];
        const int D = 16, H = 2, Dh = 8, P = 2;
        long b = x.shape[0];

        Tensor Lin(Tensor v, string name) => F.linear(v, sd[name + ".weight"], sd[name + ".bias"]);
        Tensor Ln(Tensor v) => F.layer_norm(v, [D], eps: 1e-6);
        Tensor Mod(Tensor v, Tensor shift, Tensor scale) => v * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
        Tensor Heads(Tensor v, string? norm)
        {
            var h = v.view(b, -1, H, Dh).transpose(1, 2);
            return norm is null || qkNorm is null ? h : h * rsqrt(h.pow(2).mean([-1L], keepdim: true) + 1e-6) * sd[norm + ".weight"];
        }
        Tensor Attend(Tensor q, Tensor k, Tensor v) =>
            softmax(q.matmul(k.transpose(-2, -1)) / Math.Sqrt(Dh), -1).matmul(v).transpose(1, 2).reshape(b, -1, H * Dh);
        Tensor Mlp(Tensor v, string name) => Lin(F.gelu(Lin(v, name + ".net.0.proj"), TorchSharp.Modules.GELU.Approximate.tanh), name + ".net.2");

        // Timestep features [cos(t f_i), sin(t f_i)], f_i = exp(-ln(10000) i / 128); plus the pooled text.
        var freqs = exp(arange(128, dtype: ScalarType.Float32) * (-Math.Log(10000) / 128));
        var args = t.unsqueeze(1) * freqs.unsqueeze(0);
        var features = cat([cos(args), sin(args)], 1);
        var temb = Lin(F.silu(Lin(features, "time_text_embed.timestep_embedder.linear_1")), "time_text_embed.timestep_embedder.linear_2")
            + Lin(F.silu(Lin(pooled, "time_text_embed.text_embedder.linear_1")), "time_text_embed.text_embedder.linear_2");

        // Patches (4 x 4 grid) plus the centre 4 x 4 of the 8 x 8 table: rows and columns 2..5.
        var h = F.conv2d(x, sd["pos_embed.proj.weight"], sd["pos_embed.proj.bias"], strides: [P, P]).flatten(2).transpose(1, 2);
        h = h + sd["pos_embed.pos_embed"].view(8, 8, D)[TensorIndex.Slice(2, 6), TensorIndex.Slice(2, 6)].reshape(1, 16, D);
        var ctx = Lin(enc, "context_embedder");
        long n = h.shape[1];

        for (int i = 0; i < 2; i++)
        {
            string blk = $"transformer_blocks.{i}";
            bool last = i == 1, isDual = dual.Contains(i);
            var m = Lin(F.silu(temb), blk + ".norm1.linear").chunk(isDual ? 9 : 6, 1);   // shift, scale, gate (msa); shift, scale, gate (mlp); [msa2]
            var normed = Mod(Ln(h), m[0], m[1]);
            Tensor[] c = Lin(F.silu(temb), blk + ".norm1_context.linear").chunk(last ? 2 : 6, 1);
            var normedCtx = last ? Mod(Ln(ctx), c[1], c[0]) : Mod(Ln(ctx), c[0], c[1]);   // the last block: scale, shift
            string a = blk + ".attn";
            var q = cat([Heads(Lin(normed, a + ".to_q"), a + ".norm_q"), Heads(Lin(normedCtx, a + ".add_q_proj"), a + ".norm_added_q")], 2);
            var k = cat([Heads(Lin(normed, a + ".to_k"), a + ".norm_k"), Heads(Lin(normedCtx, a + ".add_k_proj"), a + ".norm_added_k")], 2);
            var v = cat([Heads(Lin(normed, a + ".to_v"), null), Heads(Lin(normedCtx, a + ".add_v_proj"), null)], 2);
            var joint = Attend(q, k, v);
            var hIn = h;
            h = h + m[2].unsqueeze(1) * Lin(joint[.., ..(int)n], a + ".to_out.0");
            if (isDual)
            {
                string a2 = blk + ".attn2";
                var normed2 = Mod(Ln(hIn), m[6], m[7]);
                var o2 = Attend(Heads(Lin(normed2, a2 + ".to_q"), a2 + ".norm_q"), Heads(Lin(normed2, a2 + ".to_k"), a2 + ".norm_k"), Heads(Lin(normed2, a2 + ".to_v"), null));
                h = h + m[8].unsqueeze(1) * Lin(o2, a2 + ".to_out.0");
            }
            h = h + m[5].unsqueeze(1) * Mlp(Mod(Ln(h), m[3], m[4]), blk + ".ff");
            if (!last)
            {
                ctx = ctx + c[2].unsqueeze(1) * Lin(joint[.., (int)n..], a + ".to_add_out");
                ctx = ctx + c[5].unsqueeze(1) * Mlp(Mod(Ln(ctx), c[3], c[4]), blk + ".ff_context");
            }
        }
        var final = Lin(F.silu(temb), "norm_out.linear").chunk(2, 1);
        var patches = Lin(Mod(Ln(h), final[1], final[0]), "proj_out");
        // [B, h*w, p*p*C] -> [B, C, h*p, w*p] ("nhwpqc->nchpwq").
        var expected = patches.reshape(b, 4, 4, P, P, 16).permute(0, 5, 1, 3, 2, 4).reshape(b, 16, 8, 8);

        var actual = model.forward(x, t, enc, pooled);
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5), $"max difference {(actual - expected).abs().max().item<float>()}");
    }
}
