using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// A T5EncoderModel in the transformers layout (<see cref="TransformersFolder"/>). transformers saves the shared
/// embedding once, as shared.weight; a file that has encoder.embed_tokens.weight instead (or both, equal) loads the same.
/// </summary>
public static class T5Folder
{
    public const string SharedWeight = "shared.weight";
    public const string EmbedTokensWeight = "encoder.embed_tokens.weight";

    public static T5EncoderModel Load(string dir) =>
        TransformersFolder.Load(dir, config => new T5EncoderModel(T5Config.ReadFile(config)), CopyInto);

    public static void CopyInto(T5EncoderModel model, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var weights = tensors.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (weights.Remove(EmbedTokensWeight, out var embedTokens))
        {
            if (!weights.TryGetValue(SharedWeight, out var shared)) weights[SharedWeight] = embedTokens;
            else if (!shared.shape.SequenceEqual(embedTokens.shape) || !shared.to(ScalarType.Float32).equal(embedTokens.to(ScalarType.Float32)).all().item<bool>())
                throw new InvalidDataException($"{source}: {SharedWeight} {SD3Weights.Shape(shared)} and {EmbedTokensWeight} {SD3Weights.Shape(embedTokens)} differ; " +
                    $"in a {T5Config.ClassName} they are one embedding, so the file is not a T5 encoder's");
        }
        SD3Weights.CopyInto(model, weights, source, T5Config.ClassName, " (num_layers, d_model, d_kv, num_heads, d_ff, feed_forward_proj, vocab_size, relative_attention_num_buckets)");
    }

    /// <summary>Writes config.json and the weights (shared.weight once, as transformers does) in <paramref name="dtype"/>.</summary>
    public static void Save(string dir, T5EncoderModel model, ScalarType dtype = ScalarType.Float32, long maxShardBytes = 0) =>
        TransformersFolder.Save(dir, model, model.Config.ToJson, dtype, maxShardBytes);
}
