using static TorchSharp.torch;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// What SD3's transformer is conditioned on, as diffusers' StableDiffusion3Pipeline.encode_prompt returns it, with the
/// parts it is made of: each CLIP's penultimate hidden states and projected pooled output, T5's last hidden state
/// (zeros without text_encoder_3), and the token ids each encoder saw.
/// </summary>
public sealed class SD3PromptEmbeddings : IDisposable
{
    /// <summary>[B, clip_length + T, joint_attention_dim]: CLIP-L | CLIP-G on the feature axis, zero-padded to T5's width, then T5's tokens.</summary>
    public required Tensor EncoderHiddenStates { get; init; }
    /// <summary>[B, projection_dim_L + projection_dim_G]: the two projected pooled outputs side by side.</summary>
    public required Tensor PooledProjections { get; init; }
    public required Tensor ClipLHiddenStates { get; init; }
    public required Tensor ClipLTextEmbeds { get; init; }
    public required Tensor ClipGHiddenStates { get; init; }
    public required Tensor ClipGTextEmbeds { get; init; }
    /// <summary>[B, T, joint_attention_dim]: T5's last hidden state, or zeros when the pipeline has no text_encoder_3.</summary>
    public required Tensor T5HiddenStates { get; init; }
    public required IReadOnlyList<TokenizedPrompt> ClipLTokens { get; init; }
    public required IReadOnlyList<TokenizedPrompt> ClipGTokens { get; init; }
    /// <summary>Empty when the pipeline has no text_encoder_3.</summary>
    public required IReadOnlyList<TokenizedPrompt> T5Tokens { get; init; }

    public void Dispose()
    {
        foreach (var t in new[] { EncoderHiddenStates, PooledProjections, ClipLHiddenStates, ClipLTextEmbeds, ClipGHiddenStates, ClipGTextEmbeds, T5HiddenStates })
            t.Dispose();
    }
}
