using Soar.Core.Checkpoints;
using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Models.Vae;

/// <summary>
/// The diffusers layout of a VAE: a folder (a pipeline's vae/) with config.json and diffusion_pytorch_model.safetensors
/// (or shards with their index, read as <see cref="DiffusersFolder.ReadWeights"/> reads a transformer's).
/// </summary>
public static class VaeFolder
{
    public const string Subfolder = "vae";
    private static readonly Dictionary<string, string> FormatMetadata = new() { ["format"] = "pt" };

    /// <summary>The folder itself when it holds config.json, else its vae/ subfolder (a pipeline folder).</summary>
    public static string ResolveVaeDir(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(Path.Combine(full, DiffusersFolder.ConfigFile))) return full;
        var nested = Path.Combine(full, Subfolder);
        if (File.Exists(Path.Combine(nested, DiffusersFolder.ConfigFile))) return nested;
        throw new FileNotFoundException($"no diffusers VAE at {full}: expected {DiffusersFolder.ConfigFile} there or in {Subfolder}/ (a folder written by `soar model init --architecture vae` or a diffusers pipeline folder)", full);
    }

    /// <summary>A VAE built from the folder's config.json with its weights (any float dtype, converted to float32).</summary>
    public static AutoencoderKL Load(string path)
    {
        var dir = ResolveVaeDir(path);
        var model = new AutoencoderKL(VaeConfig.ReadFile(Path.Combine(dir, DiffusersFolder.ConfigFile)));
        try
        {
            using var scope = NewDisposeScope();
            var (tensors, source) = DiffusersFolder.ReadWeights(dir);
            CopyInto(model, tensors, source);
        }
        catch { model.Dispose(); throw; }
        return model;
    }

    /// <summary>Copies <paramref name="tensors"/> into the model; every missing, unexpected, mis-shaped or non-float tensor is named in one error.</summary>
    public static void CopyInto(AutoencoderKL model, IReadOnlyDictionary<string, Tensor> tensors, string source) =>
        SD3.SD3Weights.CopyInto(model, tensors, source, VaeConfig.DiffusersClassName, " (use_quant_conv, use_post_quant_conv, latent_channels, block_out_channels)");

    /// <summary>
    /// Writes config.json and diffusion_pytorch_model.safetensors in <paramref name="dtype"/> (float32, float16 or
    /// bfloat16) into <paramref name="dir"/>; shard files or an index left there are removed.
    /// </summary>
    public static void Save(string dir, AutoencoderKL model, ScalarType dtype = ScalarType.Float32)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16))
            throw new ArgumentException($"weights are saved as float32, float16 or bfloat16, not {dtype}", nameof(dtype));
        Directory.CreateDirectory(dir);
        using var scope = NewDisposeScope();
        var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to(dtype), StringComparer.Ordinal);
        SafeTensorsFile.Save(Path.Combine(dir, DiffusersFolder.WeightsFile), state, FormatMetadata);
        foreach (var stale in Directory.EnumerateFiles(dir, "diffusion_pytorch_model*.safetensors*").Select(Path.GetFileName))
            if (stale != DiffusersFolder.WeightsFile) File.Delete(Path.Combine(dir, stale!));
        DurableFile.WriteText(Path.Combine(dir, DiffusersFolder.ConfigFile), model.Config.ToDiffusersJson());
    }

}
