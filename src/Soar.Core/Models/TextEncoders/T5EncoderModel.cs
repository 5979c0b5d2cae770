using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// transformers' T5EncoderModel (SD3's text_encoder_3), with its parameter names: shared (the token embedding),
/// encoder.block.{i}.layer.0.{SelfAttention.{q,k,v,o},layer_norm}, encoder.block.0.layer.0.SelfAttention.relative_attention_bias,
/// encoder.block.{i}.layer.1.{DenseReluDense.{wi_0,wi_1,wo} or {wi,wo},layer_norm}, encoder.final_layer_norm.
/// encoder.embed_tokens is the same module as shared in transformers, so its weight is read as shared's
/// (<see cref="T5Folder"/>). Initialisation is PyTorch's default.
/// </summary>
public sealed class T5EncoderModel : Module
{
    private readonly T5Config _config;
    private readonly Embedding shared;
    private readonly T5Stack encoder;

    public T5Config Config => _config;

    public T5EncoderModel(T5Config config) : base(nameof(T5EncoderModel))
    {
        config.Validate();
        _config = config;
        shared = Embedding(config.VocabSize, config.DModel);
        encoder = new T5Stack(config);
        RegisterComponents();
    }

    /// <param name="inputIds">[B, L] token ids.</param>
    /// <returns>last_hidden_state [B, L, d_model] (after the final RMS norm).</returns>
    public Tensor Forward(Tensor inputIds)
    {
        if (inputIds.dim() != 2) throw new ArgumentException($"input ids are [{string.Join(", ", inputIds.shape)}]; expected [batch, tokens]", nameof(inputIds));
        using var scope = NewDisposeScope();
        return encoder.forward(shared.forward(inputIds.to(ScalarType.Int64))).MoveToOuterDisposeScope();
    }
}
