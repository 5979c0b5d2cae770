using Soar.Core.Models.Lora;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models;

/// <summary>Multi-head self-attention with an additive key mask ([B, 1, 1, L]: 0 keep, -inf drop).</summary>
public sealed class SelfAttention : Module<Tensor, Tensor?, Tensor>
{
    private readonly int _heads;
    // LoraLinear (torch Linear's parameters and initialisation) so LoRA adapters can target attn.qkv / attn.proj.
    private readonly LoraLinear qkv;
    private readonly LoraLinear proj;

    public SelfAttention(int dim, int heads) : base(nameof(SelfAttention))
    {
        _heads = heads;
        qkv = new LoraLinear(dim, dim * 3);
        proj = new LoraLinear(dim, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? mask)
    {
        long b = x.shape[0], l = x.shape[1], d = x.shape[2];
        using var parts = qkv.forward(x).view(b, l, 3, _heads, d / _heads).permute(2, 0, 3, 1, 4);
        using var q = parts[0];
        using var k = parts[1];
        using var v = parts[2];
        using var attended = functional.scaled_dot_product_attention(q, k, v, mask);
        using var merged = attended.transpose(1, 2).reshape(b, l, d);
        return proj.forward(merged);
    }
}
