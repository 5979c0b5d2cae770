using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// transformers' T5Attention for the encoder: q, k, v, o without biases and NO 1/sqrt(d) scaling (T5 folds it into
/// the initialisation); the scores get a per-head position bias that the first block computes from its
/// relative_attention_bias embedding (buckets x heads) and every later block reuses.
/// </summary>
public sealed class T5Attention : Module
{
    private readonly T5Config _config;
    private readonly Linear q;
    private readonly Linear k;
    private readonly Linear v;
    private readonly Linear o;
    private readonly Embedding? relative_attention_bias;

    public T5Attention(T5Config config, bool hasRelativeAttentionBias) : base(nameof(T5Attention))
    {
        _config = config;
        q = Linear(config.DModel, config.InnerDim, hasBias: false);
        k = Linear(config.DModel, config.InnerDim, hasBias: false);
        v = Linear(config.DModel, config.InnerDim, hasBias: false);
        o = Linear(config.InnerDim, config.DModel, hasBias: false);
        if (hasRelativeAttentionBias) relative_attention_bias = Embedding(config.RelativeAttentionNumBuckets, config.NumHeads);
        RegisterComponents();
    }

    /// <summary>[1, heads, L, L] bias of the scores from the relative positions (the first block only).</summary>
    public Tensor ComputeBias(long length, Device device)
    {
        if (relative_attention_bias is null) throw new InvalidOperationException("only the first T5 block has relative_attention_bias");
        using var scope = NewDisposeScope();
        var buckets = T5RelativePosition.Buckets(length, length, _config.RelativeAttentionNumBuckets, _config.RelativeAttentionMaxDistance, device);
        return relative_attention_bias.forward(buckets).permute(2, 0, 1).unsqueeze(0).MoveToOuterDisposeScope();
    }

    /// <param name="x">[B, L, d_model], already normed.</param>
    /// <param name="positionBias">the first block's bias, or null in the first block (computed here).</param>
    public (Tensor Output, Tensor PositionBias) Forward(Tensor x, Tensor? positionBias)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], l = x.shape[1];
        int heads = _config.NumHeads, dk = _config.DKv;
        Tensor Heads(Tensor t) => t.view(b, l, heads, dk).transpose(1, 2);
        var bias = positionBias ?? ComputeBias(l, x.device);
        var scores = matmul(Heads(q.forward(x)), Heads(k.forward(x)).transpose(3, 2)) + bias;
        var weights = softmax(scores.to(ScalarType.Float32), -1).type_as(scores);
        var attended = matmul(weights, Heads(v.forward(x))).transpose(1, 2).reshape(b, l, _config.InnerDim);
        var output = o.forward(attended).MoveToOuterDisposeScope();
        return (output, positionBias is null ? bias.MoveToOuterDisposeScope() : positionBias);
    }
}
