using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models;

/// <summary>The encoded caption: per-token states, a pooled vector and the additive key mask of its padding.</summary>
public sealed record EncodedCaption(Tensor Tokens, Tensor Pooled, Tensor KeyMask)
{
    /// <summary>Rows selected by index (e.g. each caption repeated for several noisy points), keeping the graph.</summary>
    public EncodedCaption Select(Tensor index) =>
        new(Tokens.index_select(0, index), Pooled.index_select(0, index), KeyMask.index_select(0, index));
}

/// <summary>Small transformer over caption token ids ([pad] = 0 is masked out; [bos] is always present).</summary>
public sealed class TextEncoder : Module<Tensor, EncodedCaption>
{
    private readonly Embedding token_embedding;
    private readonly Parameter position_embedding;
    private readonly ModuleList<TextEncoderLayer> layers;
    private readonly LayerNorm norm;

    public TextEncoder(int vocabSize, int maxTokens, int dim, int heads, int depth, double mlpRatio) : base(nameof(TextEncoder))
    {
        token_embedding = Embedding(vocabSize, dim);
        position_embedding = Parameter(randn(maxTokens, dim) * 0.02);
        layers = new ModuleList<TextEncoderLayer>(Enumerable.Range(0, depth).Select(_ => new TextEncoderLayer(dim, heads, mlpRatio)).ToArray());
        norm = LayerNorm(dim);
        RegisterComponents();
    }

    /// <param name="ids">[B, L] int64 token ids.</param>
    public override EncodedCaption forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        var valid = ids.ne(0);
        // -inf on padding keys; [bos] keeps every row finite.
        var keyMask = zeros(ids.shape, dtype: ScalarType.Float32, device: ids.device)
            .masked_fill(valid.logical_not(), double.NegativeInfinity).view(ids.shape[0], 1, 1, ids.shape[1]);
        var h = token_embedding.forward(ids) + position_embedding.unsqueeze(0);
        foreach (var layer in layers) h = layer.forward(h, keyMask);
        h = norm.forward(h);
        var weights = valid.to(ScalarType.Float32).unsqueeze(2);
        var pooled = (h * weights).sum(1) / weights.sum(1);
        return new EncodedCaption(h.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope(), keyMask.MoveToOuterDisposeScope());
    }
}
