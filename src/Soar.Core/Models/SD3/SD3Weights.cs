using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Models.SD3;

/// <summary>
/// Copies named tensors into a module whose state-dict names must match exactly (LoRA adapter tensors aside).
/// Every missing, unexpected or mis-shaped tensor is listed in one error with its shape; float16/bfloat16/float64
/// tensors are converted to the module's dtype. Shared by every diffusers-layout module (the SD3 transformer, the VAE).
/// </summary>
public static class SD3Weights
{
    /// <summary>Whether a state-dict name is a LoRA adapter tensor (never part of base weights).</summary>
    public static bool IsAdapterTensor(string name) => name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal);

    /// <summary>The module's base state dict (adapter tensors left out).</summary>
    public static Dictionary<string, Tensor> BaseState(nn.Module module) =>
        module.state_dict().Where(kv => !IsAdapterTensor(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    /// <param name="className">the diffusers class the weights are for, named in the error.</param>
    /// <param name="configHint">config keys worth checking when the weights do not fit, e.g. " (latent_channels, ...)".</param>
    public static void CopyInto(nn.Module module, IReadOnlyDictionary<string, Tensor> tensors, string source,
        string className = SD3Config.DiffusersClassName, string configHint = "")
    {
        var target = BaseState(module);
        var problems = new List<string>();
        var missing = target.Keys.Where(k => !tensors.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0) problems.Add($"missing {missing.Count}: " + string.Join(", ", missing.Select(k => $"{k} {Shape(target[k])}")));
        var unexpected = tensors.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0) problems.Add($"unexpected {unexpected.Count}: " + string.Join(", ", unexpected.Select(k => $"{k} {Shape(tensors[k])}")));
        var misShaped = target.Keys.Where(k => tensors.TryGetValue(k, out var t) && !t.shape.SequenceEqual(target[k].shape)).Order(StringComparer.Ordinal).ToList();
        if (misShaped.Count > 0) problems.Add($"mis-shaped {misShaped.Count}: " + string.Join(", ", misShaped.Select(k => $"{k} is {Shape(tensors[k])}, the model needs {Shape(target[k])}")));
        var notFloat = target.Keys.Where(k => tensors.TryGetValue(k, out var t) && !torch.is_floating_point(t)).ToList();
        if (notFloat.Count > 0) problems.Add("not floating point: " + string.Join(", ", notFloat.Select(k => $"{k} ({tensors[k].dtype})")));
        if (problems.Count > 0)
            throw new InvalidDataException($"{source}: the weights do not match the {className} its config.json describes ({string.Join("; ", problems)}); " +
                $"is config.json the one saved with these weights{configHint}?");
        using var noGrad = no_grad();
        foreach (var (name, destination) in target)
            destination.copy_(tensors[name].to(destination.dtype));
    }

    internal static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
}
