using static TorchSharp.torch;

namespace Soar.Core.Checkpoints;

/// <summary>A module's <c>state_dict()</c> (parameters and persistent buffers) as a safetensors file.</summary>
public static class ModuleWeights
{
    /// <summary>Metadata Hugging Face loaders look for to accept a PyTorch-layout safetensors file.</summary>
    private static readonly Dictionary<string, string> FormatMetadata = new() { ["format"] = "pt" };

    public static void Save(string path, nn.Module module) => SafeTensorsFile.Save(path, module.state_dict(), FormatMetadata);

    /// <summary>
    /// Copies the tensors in <paramref name="path"/> into <paramref name="module"/>; the names, shapes and dtypes must
    /// match its <c>state_dict()</c> exactly, otherwise nothing is copied and the error names the tensor.
    /// </summary>
    public static void Load(string path, nn.Module module) => Load(module, path, () => SafeTensorsFile.Load(path));

    /// <summary>As <see cref="Load(string, nn.Module)"/>, from a seekable stream of safetensors bytes; <paramref name="name"/> names it in errors.</summary>
    public static void Load(Stream data, string name, nn.Module module) => Load(module, name, () => SafeTensorsFile.Load(data, name));

    private static void Load(nn.Module module, string path, Func<(Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata)> read)
    {
        // The tensors are read inside the scope so they are freed with it.
        using var scope = NewDisposeScope();
        var (loaded, _) = read();
        var target = module.state_dict();

        var missing = target.Keys.Where(k => !loaded.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"'{path}' has no tensor '{missing[0]}' that the module needs" +
                (missing.Count > 1 ? $" (and {missing.Count - 1} more: {string.Join(", ", missing.Skip(1).Take(5))})" : "") +
                "; was it saved from a different model configuration?");
        var unexpected = loaded.Keys.Where(k => !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException($"'{path}' holds tensor '{unexpected[0]}' that the module does not have" +
                (unexpected.Count > 1 ? $" (and {unexpected.Count - 1} more)" : "") + "; was it saved from a different model configuration?");
        foreach (var (name, destination) in target)
        {
            var source = loaded[name];
            if (!source.shape.SequenceEqual(destination.shape))
                throw new InvalidDataException($"Tensor '{name}' in '{path}' has shape [{string.Join(',', source.shape)}] but the module expects [{string.Join(',', destination.shape)}].");
            if (source.dtype != destination.dtype)
                throw new InvalidDataException($"Tensor '{name}' in '{path}' is {source.dtype} but the module holds {destination.dtype}; convert the module or the file first.");
        }

        using var noGrad = no_grad();
        foreach (var (name, destination) in target)
            destination.copy_(loaded[name]);
    }
}
