using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// The transformers layout of a model: config.json and model.safetensors, or shards model-0000i-of-0000n.safetensors
/// listed by model.safetensors.index.json, read and written by <see cref="DiffusersFolder"/>'s one implementation.
/// A standalone model folder holds its tokenizer files too; in a diffusers pipeline they sit in tokenizer*/.
/// </summary>
public static class TransformersFolder
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    public static bool IsModelDir(string dir) =>
        File.Exists(Path.Combine(dir, ConfigFile)) && (File.Exists(Path.Combine(dir, WeightsFile)) || File.Exists(Path.Combine(dir, IndexFile)));

    public static (Dictionary<string, Tensor> Tensors, string Source) ReadWeights(string dir) => DiffusersFolder.ReadWeights(dir, WeightsFile, IndexFile);

    public static void SaveWeights(string dir, IReadOnlyDictionary<string, Tensor> state, ScalarType dtype, long maxShardBytes = 0) =>
        DiffusersFolder.SaveWeights(dir, state, dtype, maxShardBytes, WeightsFile, IndexFile);

    /// <summary>config.json's torch_dtype for a weights dtype.</summary>
    public static string TorchDtype(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        _ => "float32",
    };
}
