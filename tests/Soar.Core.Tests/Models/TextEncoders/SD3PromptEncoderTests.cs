using Soar.Core.Models.TextEncoders;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.TextEncoders;

/// <summary>diffusers' SD3 encode_prompt: CLIP-L | CLIP-G zero-padded to T5's width, T5 after them, pooled side by side, zeros without T5.</summary>
public sealed class SD3PromptEncoderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-sd3text-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Combine_concatenates_the_clip_features_pads_them_with_zeros_and_appends_t5_s_tokens()
    {
        manual_seed(1);
        using var l = randn(2, 5, 3);
        using var g = randn(2, 5, 4);
        using var t5 = randn(2, 6, 10);
        using var pl = randn(2, 3);
        using var pg = randn(2, 4);
        var (hidden, pooled) = SD3PromptEncoder.Combine(l, pl, g, pg, t5);
        Assert.Equal(new long[] { 2, 11, 10 }, hidden.shape);
        Assert.True(hidden[.., ..5, ..3].equal(l).all().item<bool>());
        Assert.True(hidden[.., ..5, 3..7].equal(g).all().item<bool>());
        Assert.Equal(0f, hidden[.., ..5, 7..].abs().max().item<float>());
        Assert.True(hidden[.., 5..].equal(t5).all().item<bool>());
        Assert.Equal(new long[] { 2, 7 }, pooled.shape);
        Assert.True(pooled[.., ..3].equal(pl).all().item<bool>() && pooled[.., 3..].equal(pg).all().item<bool>());
        Assert.Throws<ArgumentException>(() => SD3PromptEncoder.Combine(l, pl, g, pg, randn(2, 6, 6)));
    }

    [Fact]
    public void A_pipeline_folder_encodes_each_part_as_its_encoder_does_and_concatenates_them()
    {
        using var encoder = SD3PromptEncoder.Load(TinyText.Pipeline(Path.Combine(_root, "pipe"), withT5: true));
        using var e = encoder.Encode(["a red cat", "two stars"], maxSequenceLength: 16);
        Assert.Equal(new long[] { 2, 77 + 16, 48 }, e.EncoderHiddenStates.shape);
        Assert.Equal(new long[] { 2, 8 + 12 }, e.PooledProjections.shape);
        Assert.Equal(new long[] { 2, 77, 16 }, e.ClipLHiddenStates.shape);
        Assert.Equal(new long[] { 2, 77, 24 }, e.ClipGHiddenStates.shape);
        Assert.Equal(new long[] { 2, 16, 48 }, e.T5HiddenStates.shape);
        // CLIP-L pads with <|endoftext|> (513), CLIP-G with "!" (0); T5 ends with </s> (1) and pads with <pad> (0).
        Assert.Equal(513, e.ClipLTokens[0].Ids[^1]);
        Assert.Equal(0, e.ClipGTokens[0].Ids[^1]);
        Assert.Equal(512, e.ClipGTokens[1].Ids[0]);
        Assert.Equal(0, e.T5Tokens[0].Ids[^1]);
        Assert.Contains(1, e.T5Tokens[0].Ids);

        using var noGrad = no_grad();
        using var ids = tensor(e.ClipLTokens.SelectMany(t => t.Ids.Select(i => (long)i)).ToArray(), [2, 77]);
        using var clipL = encoder.ClipL.Forward(ids);
        Assert.True(e.ClipLHiddenStates.allclose(clipL.HiddenStates[^2]));
        Assert.True(e.EncoderHiddenStates[.., ..77, ..16].allclose(clipL.HiddenStates[^2]));
        Assert.True(e.EncoderHiddenStates[.., ..77, 16..40].allclose(e.ClipGHiddenStates));
        Assert.Equal(0f, e.EncoderHiddenStates[.., ..77, 40..].abs().max().item<float>());
        using var t5Ids = tensor(e.T5Tokens.SelectMany(t => t.Ids.Select(i => (long)i)).ToArray(), [2, 16]);
        using var t5 = encoder.T5!.Forward(t5Ids);
        Assert.True(e.EncoderHiddenStates[.., 77..].allclose(t5));
        Assert.True(e.PooledProjections[.., ..8].allclose(clipL.TextEmbeds));

        // Classifier-free guidance's unconditional input is the empty prompt, encoded the same way.
        using var negative = encoder.EncodeNegative(2, maxSequenceLength: 16);
        using var empty = encoder.Encode(["", ""], maxSequenceLength: 16);
        Assert.True(negative.EncoderHiddenStates.equal(empty.EncoderHiddenStates).all().item<bool>());
        Assert.Equal([512, 513], negative.ClipLTokens[0].Ids[..2]);
        Assert.False(negative.EncoderHiddenStates[0].allclose(e.EncoderHiddenStates[0]));
    }

    [Fact]
    public void Without_text_encoder_3_the_t5_part_is_zeros_of_the_transformer_s_joint_attention_dim()
    {
        using var encoder = SD3PromptEncoder.Load(TinyText.Pipeline(Path.Combine(_root, "no-t5"), withT5: false));
        Assert.Null(encoder.T5);
        Assert.Equal(48, encoder.JointAttentionDim);
        using var e = encoder.Encode(["a red cat"], maxSequenceLength: 20);
        Assert.Equal(new long[] { 1, 77 + 20, 48 }, e.EncoderHiddenStates.shape);
        Assert.Equal(new long[] { 1, 20, 48 }, e.T5HiddenStates.shape);
        Assert.Equal(0f, e.EncoderHiddenStates[.., 77..].abs().max().item<float>());
        Assert.Empty(e.T5Tokens);
        Assert.True(e.EncoderHiddenStates[.., ..77, ..40].abs().max().item<float>() > 0);
    }

    [Fact]
    public void A_pipeline_without_model_index_or_a_clip_part_is_an_error_naming_what_is_missing()
    {
        Assert.Contains("model_index.json", Assert.Throws<FileNotFoundException>(() => SD3PromptEncoder.Load(_root)).Message);
        var dir = TinyText.Pipeline(Path.Combine(_root, "broken"), withT5: false);
        var index = File.ReadAllText(Path.Combine(dir, "model_index.json")).Replace("\"text_encoder_2\":[\"transformers\",\"CLIPTextModelWithProjection\"]", "\"text_encoder_2\":[null,null]");
        File.WriteAllText(Path.Combine(dir, "model_index.json"), index);
        Assert.Contains("no \"text_encoder_2\"", Assert.Throws<InvalidDataException>(() => SD3PromptEncoder.Load(dir)).Message);
    }
}
