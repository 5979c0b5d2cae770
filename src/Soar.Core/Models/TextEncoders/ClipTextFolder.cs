using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Models.TextEncoders;

/// <summary>A CLIPTextModelWithProjection in the transformers layout (<see cref="TransformersFolder"/>): loading, saving, the weight check.</summary>
public static class ClipTextFolder
{
    /// <summary>A non-persistent buffer (0..max_position_embeddings-1) that older transformers versions saved; not a weight.</summary>
    public const string PositionIdsBuffer = "text_model.embeddings.position_ids";

    public static ClipTextModelWithProjection Load(string dir) =>
        TransformersFolder.Load(dir, config => new ClipTextModelWithProjection(ClipTextConfig.ReadFile(config)), CopyInto);

    /// <summary>Every missing, unexpected, mis-shaped or non-float tensor is named in one error (position_ids aside).</summary>
    public static void CopyInto(ClipTextModelWithProjection model, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var weights = tensors.Where(kv => kv.Key != PositionIdsBuffer).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        SD3Weights.CopyInto(model, weights, source, ClipTextConfig.ClassName, " (num_hidden_layers, hidden_size, intermediate_size, projection_dim, vocab_size, max_position_embeddings)");
    }

    /// <summary>Writes config.json and the weights in <paramref name="dtype"/> (float32, float16 or bfloat16), one file or shards.</summary>
    public static void Save(string dir, ClipTextModelWithProjection model, ScalarType dtype = ScalarType.Float32, long maxShardBytes = 0) =>
        TransformersFolder.Save(dir, model, model.Config.ToJson, dtype, maxShardBytes);
}
