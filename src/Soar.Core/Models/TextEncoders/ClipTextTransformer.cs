using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// transformers' CLIPTextTransformer ("text_model"): embeddings, the causally masked encoder, final_layer_norm on the
/// last hidden state only, and the pooled output: the final-normed state at the end-of-text token.
/// </summary>
public sealed class ClipTextTransformer : Module
{
    private readonly ClipTextConfig _config;
    private readonly ClipTextEmbeddings embeddings;
    private readonly ClipEncoder encoder;
    private readonly LayerNorm final_layer_norm;

    public ClipTextTransformer(ClipTextConfig config) : base(nameof(ClipTextTransformer))
    {
        _config = config;
        embeddings = new ClipTextEmbeddings(config);
        encoder = new ClipEncoder(config);
        final_layer_norm = LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <summary>[L, L] additive mask: 0 where key j &lt;= query i, -inf above the diagonal (a token sees itself and what precedes it).</summary>
    public static Tensor CausalMask(long length, Device? device = null) =>
        full(length, length, double.NegativeInfinity, dtype: ScalarType.Float32, device: device).triu(1);

    /// <summary>
    /// Where each sequence is pooled, transformers' rule: the first position of eos_token_id, or, for a config with the
    /// legacy eos_token_id 2, the position of the largest id (CLIP's end-of-text has the largest id of its vocabulary).
    /// </summary>
    /// <param name="inputIds">[B, L] int64.</param>
    /// <returns>[B] int64 positions.</returns>
    public static Tensor PooledIndex(Tensor inputIds, int eosTokenId)
    {
        using var scope = NewDisposeScope();
        var index = eosTokenId == ClipTextConfig.LegacyEosTokenId
            ? inputIds.argmax(-1)
            : inputIds.eq(eosTokenId).to(ScalarType.Int32).argmax(-1);
        return index.MoveToOuterDisposeScope();
    }

    /// <returns>Every hidden state (embeddings, then each layer's output), the final-normed last state and the pooled [B, hidden] output.</returns>
    public (List<Tensor> HiddenStates, Tensor LastHiddenState, Tensor Pooled) Forward(Tensor inputIds)
    {
        if (inputIds.dim() != 2) throw new ArgumentException($"input ids are [{string.Join(", ", inputIds.shape)}]; expected [batch, tokens]", nameof(inputIds));
        using var scope = NewDisposeScope();
        var ids = inputIds.to(ScalarType.Int64);
        using var mask = CausalMask(ids.shape[1], ids.device);
        var states = encoder.Forward(embeddings.forward(ids), mask);
        var last = final_layer_norm.forward(states[^1]);
        using var rows = arange(ids.shape[0], dtype: ScalarType.Int64, device: ids.device);
        var pooled = last.index(rows, PooledIndex(ids, _config.EosTokenId));
        foreach (var s in states) s.MoveToOuterDisposeScope();
        return (states, last.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }
}
