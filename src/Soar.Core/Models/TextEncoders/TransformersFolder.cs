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

    /// <summary>The model <paramref name="create"/> makes from <paramref name="dir"/>'s config.json, its weights copied in (disposed if that fails).</summary>
    public static TModel Load<TModel>(string dir, Func<string, TModel> create, Action<TModel, IReadOnlyDictionary<string, Tensor>, string> copyInto)
        where TModel : nn.Module
    {
        var model = create(Path.Combine(dir, ConfigFile));
        try
        {
            using var scope = NewDisposeScope();
            var (tensors, source) = DiffusersFolder.ReadWeights(dir, WeightsFile, IndexFile);
            copyInto(model, tensors, source);
        }
        catch { model.Dispose(); throw; }
        return model;
    }

    /// <summary>Writes the weights in <paramref name="dtype"/> (one file or shards), then config.json from its torch_dtype.</summary>
    public static void Save(string dir, nn.Module model, Func<string, string> configJson, ScalarType dtype, long maxShardBytes)
    {
        using var scope = NewDisposeScope();
        DiffusersFolder.SaveWeights(dir, model.state_dict(), dtype, maxShardBytes, WeightsFile, IndexFile);
        Checkpoints.DurableFile.WriteText(Path.Combine(dir, ConfigFile), configJson(TorchDtype(dtype)));
    }

    /// <summary>config.json's torch_dtype for a weights dtype.</summary>
    public static string TorchDtype(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        _ => "float32",
    };
}
