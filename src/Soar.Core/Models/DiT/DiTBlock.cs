using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.DiT;

/// <summary>
/// Transformer block with adaLN-Zero conditioning (DiT): the condition vector c yields shift, scale and
/// gate for both sub-layers; the gates start at zero so each block starts as the identity.
/// </summary>
public sealed class DiTBlock : Module<Tensor, Tensor, Tensor?, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly SelfAttention attn;
    private readonly LayerNorm norm2;
    private readonly FeedForward mlp;
    private readonly Linear adaLN_modulation;

    public DiTBlock(int dim, int heads, double mlpRatio) : base(nameof(DiTBlock))
    {
        norm1 = LayerNorm(dim, eps: 1e-6, elementwise_affine: false);
        attn = new SelfAttention(dim, heads);
        norm2 = LayerNorm(dim, eps: 1e-6, elementwise_affine: false);
        mlp = new FeedForward(dim, (int)(dim * mlpRatio));
        adaLN_modulation = Linear(dim, 6 * dim);
        RegisterComponents();
        using (no_grad())
        {
            adaLN_modulation.weight!.zero_();
            adaLN_modulation.bias!.zero_();
        }
    }

    /// <param name="x">[B, L, D] tokens.</param>
    /// <param name="c">[B, D] condition (timestep + pooled caption).</param>
    /// <param name="mask">additive key mask [B, 1, 1, L] or null.</param>
    public override Tensor forward(Tensor x, Tensor c, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var mod = adaLN_modulation.forward(functional.silu(c)).unsqueeze(1).chunk(6, dim: 2);
        var (shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp) = (mod[0], mod[1], mod[2], mod[3], mod[4], mod[5]);
        var h = x + gateMsa * attn.forward(Modulate(norm1.forward(x), shiftMsa, scaleMsa), mask);
        h = h + gateMlp * mlp.forward(Modulate(norm2.forward(h), shiftMlp, scaleMlp));
        return h.MoveToOuterDisposeScope();
    }

    internal static Tensor Modulate(Tensor x, Tensor shift, Tensor scale) => x * (scale + 1) + shift;
}
