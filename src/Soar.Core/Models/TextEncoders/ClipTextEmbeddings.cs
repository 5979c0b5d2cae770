using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>transformers' CLIPTextEmbeddings: token embedding plus a learned embedding of the positions 0..L-1.</summary>
public sealed class ClipTextEmbeddings : Module<Tensor, Tensor>
{
    private readonly Embedding token_embedding;
    private readonly Embedding position_embedding;
    private readonly int _maxPositions;

    public ClipTextEmbeddings(ClipTextConfig config) : base(nameof(ClipTextEmbeddings))
    {
        _maxPositions = config.MaxPositionEmbeddings;
        token_embedding = Embedding(config.VocabSize, config.HiddenSize);
        position_embedding = Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="inputIds">[B, L] int64 token ids, L at most max_position_embeddings.</param>
    public override Tensor forward(Tensor inputIds)
    {
        long l = inputIds.shape[1];
        if (l > _maxPositions)
            throw new ArgumentException($"{l} tokens; this CLIP text model has max_position_embeddings {_maxPositions}", nameof(inputIds));
        using var scope = NewDisposeScope();
        using var positions = arange(l, dtype: ScalarType.Int64, device: inputIds.device);
        return (token_embedding.forward(inputIds) + position_embedding.forward(positions)).MoveToOuterDisposeScope();
    }
}
