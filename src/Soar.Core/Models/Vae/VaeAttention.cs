using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Vae;

/// <summary>
/// The mid-block's diffusers Attention (AttnProcessor2_0, one head as wide as the channels): the [B, C, H, W] map is
/// read as H*W tokens of C channels, group-normed, projected by to_q/to_k/to_v, attended with 1/sqrt(C) scaling,
/// projected by to_out.0 and added to the input (residual_connection, rescale_output_factor 1).
/// </summary>
public sealed class VaeAttention : Module<Tensor, Tensor>
{
    private readonly GroupNorm group_norm;
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly ModuleList<Module<Tensor, Tensor>> to_out;

    public VaeAttention(int channels, int groups) : base(nameof(VaeAttention))
    {
        group_norm = GroupNorms.Create(groups, channels, VaeConfig.NormEps);
        to_q = Linear(channels, channels);
        to_k = Linear(channels, channels);
        to_v = Linear(channels, channels);
        to_out = new ModuleList<Module<Tensor, Tensor>>(Linear(channels, channels), Dropout(0.0));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var tokens = group_norm.forward(x).view(b, c, h * w).transpose(1, 2);
        // [B, 1 head, H*W, C]: diffusers' heads = channels / attention_head_dim = 1.
        var q = to_q.forward(tokens).unsqueeze(1);
        var k = to_k.forward(tokens).unsqueeze(1);
        var v = to_v.forward(tokens).unsqueeze(1);
        var attended = functional.scaled_dot_product_attention(q, k, v).squeeze(1);
        var projected = to_out[0].forward(attended).transpose(1, 2).reshape(b, c, h, w);
        return (projected + x).MoveToOuterDisposeScope();
    }
}
