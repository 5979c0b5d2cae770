using Soar.Core.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary>
/// diffusers' Attention with JointAttnProcessor2_0. Image tokens project through to_q/to_k/to_v; with a context
/// stream (<paramref name="joint"/>), context tokens project through add_q_proj/add_k_proj/add_v_proj and the two are
/// concatenated image first, attended together without a mask, 1/sqrt(head_dim) scaling, and split again: the image
/// part through to_out.0, the context part through to_add_out unless the block is context-pre-only. Optional per-head
/// qk-norm ("rms_norm" or "layer_norm", eps 1e-6) on the queries and keys of each stream.
/// </summary>
public sealed class JointAttention : Module<Tensor, Tensor?, (Tensor Image, Tensor? Context)>
{
    private readonly int _heads;
    private readonly LoraLinear to_q;
    private readonly LoraLinear to_k;
    private readonly LoraLinear to_v;
    private readonly ModuleList<Module<Tensor, Tensor>> to_out;
    private readonly LoraLinear? add_q_proj;
    private readonly LoraLinear? add_k_proj;
    private readonly LoraLinear? add_v_proj;
    private readonly LoraLinear? to_add_out;
    private readonly Module<Tensor, Tensor>? norm_q;
    private readonly Module<Tensor, Tensor>? norm_k;
    private readonly Module<Tensor, Tensor>? norm_added_q;
    private readonly Module<Tensor, Tensor>? norm_added_k;

    /// <param name="joint">Whether a context stream joins (the block's attn; attn2 of MMDiT-X attends the image alone).</param>
    /// <param name="contextPreOnly">The last block: the context part of the output is dropped (no to_add_out).</param>
    public JointAttention(int dim, int heads, int headDim, bool joint, bool contextPreOnly, string? qkNorm) : base(nameof(JointAttention))
    {
        _heads = heads;
        int inner = heads * headDim;
        to_q = new LoraLinear(dim, inner);
        to_k = new LoraLinear(dim, inner);
        to_v = new LoraLinear(dim, inner);
        to_out = new ModuleList<Module<Tensor, Tensor>>(new LoraLinear(inner, dim), Dropout(0.0));
        norm_q = QkNorm(qkNorm, headDim);
        norm_k = QkNorm(qkNorm, headDim);
        if (joint)
        {
            add_k_proj = new LoraLinear(dim, inner);
            add_v_proj = new LoraLinear(dim, inner);
            add_q_proj = new LoraLinear(dim, inner);
            if (!contextPreOnly) to_add_out = new LoraLinear(inner, dim);
            norm_added_q = QkNorm(qkNorm, headDim);
            norm_added_k = QkNorm(qkNorm, headDim);
        }
        RegisterComponents();
    }

    /// <summary>The qk-norm kinds this implementation has (diffusers' SD3 and SD3.5 use none and "rms_norm").</summary>
    public static IReadOnlyList<string> QkNormKinds { get; } = ["rms_norm", "layer_norm"];

    private static Module<Tensor, Tensor>? QkNorm(string? kind, int headDim) => kind switch
    {
        null => null,
        "rms_norm" => new RmsNorm(headDim, 1e-6),
        "layer_norm" => LayerNorm(headDim, eps: 1e-6),
        _ => throw new ArgumentException($"qk_norm \"{kind}\" is not supported; use null or one of: {string.Join(", ", QkNormKinds)}"),
    };

    /// <param name="x">[B, N, D] image tokens (already modulated).</param>
    /// <param name="context">[B, L, D] context tokens, or null for image-only attention.</param>
    public override (Tensor Image, Tensor? Context) forward(Tensor x, Tensor? context)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], n = x.shape[1];
        var q = Heads(to_q.forward(x), norm_q);
        var k = Heads(to_k.forward(x), norm_k);
        var v = Heads(to_v.forward(x), null);
        if (context is not null)
        {
            q = cat([q, Heads(add_q_proj!.forward(context), norm_added_q)], dim: 2);
            k = cat([k, Heads(add_k_proj!.forward(context), norm_added_k)], dim: 2);
            v = cat([v, Heads(add_v_proj!.forward(context), null)], dim: 2);
        }
        var attended = functional.scaled_dot_product_attention(q, k, v);
        var merged = attended.transpose(1, 2).reshape(b, attended.shape[2], -1);
        var image = to_out[0].forward(merged.narrow(1, 0, n));
        Tensor? ctx = null;
        if (context is not null)
        {
            ctx = merged.narrow(1, n, merged.shape[1] - n);
            if (to_add_out is not null) ctx = to_add_out.forward(ctx);
            ctx = ctx.MoveToOuterDisposeScope();
        }
        return (image.MoveToOuterDisposeScope(), ctx);
    }

    /// <summary>[B, L, H*Dh] -> [B, H, L, Dh], then the per-head norm when there is one.</summary>
    private Tensor Heads(Tensor t, Module<Tensor, Tensor>? norm)
    {
        var h = t.view(t.shape[0], t.shape[1], _heads, -1).transpose(1, 2);
        return norm is null ? h : norm.forward(h);
    }
}
