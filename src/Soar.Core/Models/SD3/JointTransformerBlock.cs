using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary>
/// diffusers' JointTransformerBlock (MMDiT). Image stream: norm1 (AdaLayerNormZero, or SD35AdaLayerNormZeroX with
/// dual attention), joint attention, gated residual; with dual attention a second, image-only attention attn2 on its
/// own modulation, gated residual; then norm2 modulated by shift/scale_mlp, the feed-forward, gated residual. Context
/// stream: norm1_context (AdaLayerNormZero), the context half of the joint attention, gated residual, norm2_context,
/// ff_context, gated residual; the last block is context-pre-only (norm1_context is AdaLayerNormContinuous and the
/// context stream ends there).
/// </summary>
public sealed class JointTransformerBlock : Module<Tensor, Tensor, Tensor, (Tensor? Context, Tensor Image)>
{
    private readonly bool _contextPreOnly;
    private readonly Module norm1;
    private readonly Module norm1_context;
    private readonly JointAttention attn;
    private readonly JointAttention? attn2;
    private readonly LayerNorm norm2;
    private readonly GeluFeedForward ff;
    private readonly LayerNorm? norm2_context;
    private readonly GeluFeedForward? ff_context;

    public bool ContextPreOnly => _contextPreOnly;

    public JointTransformerBlock(int dim, int heads, int headDim, bool contextPreOnly, string? qkNorm, bool dualAttention) : base(nameof(JointTransformerBlock))
    {
        _contextPreOnly = contextPreOnly;
        norm1 = dualAttention ? new AdaLayerNormZeroX(dim) : new AdaLayerNormZero(dim);
        norm1_context = contextPreOnly ? new AdaLayerNormContinuous(dim, dim) : new AdaLayerNormZero(dim);
        attn = new JointAttention(dim, heads, headDim, joint: true, contextPreOnly, qkNorm);
        if (dualAttention) attn2 = new JointAttention(dim, heads, headDim, joint: false, contextPreOnly: false, qkNorm);
        norm2 = LayerNorm(dim, eps: 1e-6, elementwise_affine: false);
        ff = new GeluFeedForward(dim);
        if (!contextPreOnly)
        {
            norm2_context = LayerNorm(dim, eps: 1e-6, elementwise_affine: false);
            ff_context = new GeluFeedForward(dim);
        }
        RegisterComponents();
    }

    /// <param name="image">[B, N, D] image tokens.</param>
    /// <param name="context">[B, L, D] context tokens.</param>
    /// <param name="temb">[B, D] timestep + pooled text embedding.</param>
    /// <returns>The new context tokens (null after the context-pre-only block) and image tokens.</returns>
    public override (Tensor? Context, Tensor Image) forward(Tensor image, Tensor context, Tensor temb)
    {
        using var scope = NewDisposeScope();
        ZeroModulation m;
        ZeroXModulation? mx = null;
        if (norm1 is AdaLayerNormZeroX dual) { mx = dual.forward(image, temb); m = mx.First; }
        else m = ((AdaLayerNormZero)norm1).forward(image, temb);

        Tensor normedContext;
        ZeroModulation? c = null;
        if (_contextPreOnly) normedContext = ((AdaLayerNormContinuous)norm1_context).forward(context, temb);
        else { c = ((AdaLayerNormZero)norm1_context).forward(context, temb); normedContext = c.Normed; }

        var (attnImage, attnContext) = attn.forward(m.Normed, normedContext);
        var h = image + m.GateMsa.unsqueeze(1) * attnImage;
        if (mx is not null)
        {
            var (attn2Image, _) = attn2!.forward(mx.Normed2, null);
            h = h + mx.GateMsa2.unsqueeze(1) * attn2Image;
        }
        var ffIn = AdaLayerNormZero.Modulate(norm2.forward(h), m.ShiftMlp, m.ScaleMlp);
        h = h + m.GateMlp.unsqueeze(1) * ff.forward(ffIn);

        Tensor? e = null;
        if (c is not null)
        {
            e = context + c.GateMsa.unsqueeze(1) * attnContext!;
            var ctxIn = AdaLayerNormZero.Modulate(norm2_context!.forward(e), c.ShiftMlp, c.ScaleMlp);
            e = (e + c.GateMlp.unsqueeze(1) * ff_context!.forward(ctxIn)).MoveToOuterDisposeScope();
        }
        return (e, h.MoveToOuterDisposeScope());
    }
}
