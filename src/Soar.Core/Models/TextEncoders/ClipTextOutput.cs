using static TorchSharp.torch;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// What <see cref="ClipTextModelWithProjection"/> returns, under transformers' names: hidden_states (embeddings, then
/// each layer's output; SD3 takes hidden_states[-2], which no final norm touches), last_hidden_state (final-normed),
/// pooler_output (at the end-of-text token) and text_embeds (pooler_output through text_projection).
/// </summary>
public sealed class ClipTextOutput(IReadOnlyList<Tensor> hiddenStates, Tensor lastHiddenState, Tensor poolerOutput, Tensor textEmbeds) : IDisposable
{
    public IReadOnlyList<Tensor> HiddenStates { get; } = hiddenStates;
    public Tensor LastHiddenState { get; } = lastHiddenState;
    public Tensor PoolerOutput { get; } = poolerOutput;
    public Tensor TextEmbeds { get; } = textEmbeds;

    /// <summary>hidden_states[-(skip + 2)]: the penultimate layer's output for skip 0 (diffusers' clip_skip None).</summary>
    public Tensor Penultimate(int clipSkip = 0)
    {
        int i = HiddenStates.Count - (clipSkip + 2);
        if (clipSkip < 0 || i < 0) throw new ArgumentOutOfRangeException(nameof(clipSkip), $"clip skip {clipSkip}: this model has {HiddenStates.Count - 1} layers");
        return HiddenStates[i];
    }

    public void Dispose()
    {
        foreach (var t in HiddenStates) t.Dispose();
        LastHiddenState.Dispose();
        PoolerOutput.Dispose();
        TextEmbeds.Dispose();
    }
}
