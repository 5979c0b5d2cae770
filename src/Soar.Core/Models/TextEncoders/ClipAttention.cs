using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>transformers' CLIPAttention: q/k/v/out projections with biases, scores scaled by 1/sqrt(head_dim), an additive mask.</summary>
public sealed class ClipAttention : Module<Tensor, Tensor, Tensor>
{
    private readonly int _heads;
    private readonly double _scale;
    private readonly Linear k_proj;
    private readonly Linear v_proj;
    private readonly Linear q_proj;
    private readonly Linear out_proj;

    public ClipAttention(int width, int heads) : base(nameof(ClipAttention))
    {
        _heads = heads;
        _scale = 1.0 / Math.Sqrt(width / heads);
        k_proj = Linear(width, width);
        v_proj = Linear(width, width);
        q_proj = Linear(width, width);
        out_proj = Linear(width, width);
        RegisterComponents();
    }

    /// <param name="x">[B, L, width].</param>
    /// <param name="mask">[L, L] added to the scores (0 or -inf).</param>
    public override Tensor forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], l = x.shape[1], d = x.shape[2];
        Tensor Heads(Tensor t) => t.view(b, l, _heads, d / _heads).transpose(1, 2);
        var q = Heads(q_proj.forward(x));
        var k = Heads(k_proj.forward(x));
        var v = Heads(v_proj.forward(x));
        var scores = matmul(q, k.transpose(-1, -2)) * _scale + mask;
        var attended = matmul(softmax(scores, -1), v).transpose(1, 2).reshape(b, l, d);
        return out_proj.forward(attended).MoveToOuterDisposeScope();
    }
}
