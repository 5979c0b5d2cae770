using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.UNet;

/// <summary>
/// Attention of every pixel of a low-resolution feature map to all pixels and all caption tokens at once (keys and
/// values are the pixels followed by the projected caption tokens; padding is masked out). The output projection
/// starts at zero, so a fresh block is the identity.
/// </summary>
public sealed class CaptionAttention : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly int _heads;
    private readonly GroupNorm norm;
    private readonly Linear q;
    private readonly Linear kv;
    private readonly Linear text_kv;
    private readonly Linear proj;

    public CaptionAttention(int channels, int textDim, int heads) : base(nameof(CaptionAttention))
    {
        _heads = heads;
        norm = GroupNorms.Create(UNetConfig.Groups, channels, UNetConfig.NormEps);
        q = Linear(channels, channels);
        kv = Linear(channels, 2 * channels);
        text_kv = Linear(textDim, 2 * channels);
        proj = Linear(channels, channels);
        RegisterComponents();
        using (no_grad())
        {
            proj.weight!.zero_();
            proj.bias!.zero_();
        }
    }

    /// <param name="x">[B, C, H, W] features.</param>
    /// <param name="tokens">[B, L, textDim] caption token states.</param>
    /// <param name="keyMask">[B, 1, 1, L] additive mask of the caption's padding.</param>
    public override Tensor forward(Tensor x, Tensor tokens, Tensor keyMask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], ch = x.shape[1], hgt = x.shape[2], wid = x.shape[3], n = hgt * wid, l = tokens.shape[1];
        long headDim = ch / _heads;
        var pixels = norm.forward(x).flatten(2).transpose(1, 2);                 // [B, N, C]
        var query = q.forward(pixels).view(b, n, _heads, headDim).transpose(1, 2);
        var keysValues = cat([kv.forward(pixels), text_kv.forward(tokens)], dim: 1)  // [B, N + L, 2C]
            .view(b, n + l, 2, _heads, headDim).permute(2, 0, 3, 1, 4);
        var mask = cat([zeros(b, 1, 1, n, dtype: ScalarType.Float32, device: x.device), keyMask], dim: 3);
        var attended = functional.scaled_dot_product_attention(query, keysValues[0], keysValues[1], mask);
        var merged = proj.forward(attended.transpose(1, 2).reshape(b, n, ch));
        return (x + merged.transpose(1, 2).reshape(b, ch, hgt, wid)).MoveToOuterDisposeScope();
    }
}
