using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models;

/// <summary>Pre-norm transformer layer of the caption encoder.</summary>
public sealed class TextEncoderLayer : Module<Tensor, Tensor?, Tensor>
{
    private readonly LayerNorm norm1;
    private readonly SelfAttention attn;
    private readonly LayerNorm norm2;
    private readonly FeedForward mlp;

    public TextEncoderLayer(int dim, int heads, double mlpRatio) : base(nameof(TextEncoderLayer))
    {
        norm1 = LayerNorm(dim);
        attn = new SelfAttention(dim, heads);
        norm2 = LayerNorm(dim);
        mlp = new FeedForward(dim, (int)(dim * mlpRatio));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var h = x + attn.forward(norm1.forward(x), mask);
        h = h + mlp.forward(norm2.forward(h));
        return h.MoveToOuterDisposeScope();
    }
}
