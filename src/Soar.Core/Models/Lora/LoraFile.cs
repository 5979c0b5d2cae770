using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using static TorchSharp.torch;

namespace Soar.Core.Models.Lora;

/// <summary>
/// pytorch_lora_weights.safetensors as diffusers' save_lora_weights writes it: "transformer.&lt;module&gt;.lora_A.weight" /
/// "lora_B.weight" (module names relative to the denoiser), metadata "format": "pt" and "lora_adapter_metadata", the
/// JSON of the adapter config under "transformer." keys (r, lora_alpha, target_modules, ...), without which diffusers
/// takes alpha = r.
/// </summary>
public static class LoraFile
{
    public const string FileName = "pytorch_lora_weights.safetensors";
    public const string Prefix = "transformer.";
    public const string MetadataKey = "lora_adapter_metadata";

    public static void Save(string path, nn.Module root, LoraSettings settings)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, layer) in LoraAdapters.Adapted(root))
        {
            tensors[$"{Prefix}{name}.lora_A.weight"] = layer.LoraA!.weight;
            tensors[$"{Prefix}{name}.lora_B.weight"] = layer.LoraB!.weight;
        }
        if (tensors.Count == 0) throw new InvalidOperationException("the model has no LoRA adapters to save");
        var config = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            [Prefix + "r"] = settings.Rank,
            [Prefix + "lora_alpha"] = settings.Alpha,
            [Prefix + "target_modules"] = new JsonArray(settings.Targets.Select(t => (JsonNode)t!).ToArray()),
            [Prefix + "init_lora_weights"] = settings.Init == LoraSettings.GaussianInit ? JsonValue.Create("gaussian") : JsonValue.Create(true),
            [Prefix + "lora_dropout"] = 0.0,
            [Prefix + "bias"] = "none",
            [Prefix + "use_dora"] = false,
            [Prefix + "use_rslora"] = false,
        };
        var json = new JsonObject(config.Select(kv => KeyValuePair.Create(kv.Key, kv.Value)))
            .ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 });
        SafeTensorsFile.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", [MetadataKey] = json });
    }

    /// <summary>
    /// Adds the file's adapters to <paramref name="root"/> (rank from the tensors, alpha from the metadata, else = rank as
    /// diffusers assumes) and copies their weights; names that are not adaptable layers, or a shape that does not fit, are
    /// one error listing them. Returns the settings read.
    /// </summary>
    public static LoraSettings Load(string path, nn.Module root)
    {
        var (tensors, metadata) = SafeTensorsFile.Load(path);
        try
        {
            var layers = LoraAdapters.Layers(root).ToDictionary(l => l.Name, l => l.Layer, StringComparer.Ordinal);
            var problems = new List<string>();
            var modules = new SortedDictionary<string, (Tensor? A, Tensor? B)>(StringComparer.Ordinal);
            foreach (var (key, t) in tensors)
            {
                string? module = null; bool isA = false;
                if (key.StartsWith(Prefix, StringComparison.Ordinal) && key.EndsWith(".lora_A.weight", StringComparison.Ordinal)) { module = key[Prefix.Length..^".lora_A.weight".Length]; isA = true; }
                else if (key.StartsWith(Prefix, StringComparison.Ordinal) && key.EndsWith(".lora_B.weight", StringComparison.Ordinal)) module = key[Prefix.Length..^".lora_B.weight".Length];
                if (module is null || !layers.ContainsKey(module)) { problems.Add($"unexpected {key} [{string.Join(", ", t.shape)}]"); continue; }
                var entry = modules.GetValueOrDefault(module);
                modules[module] = isA ? (t, entry.B) : (entry.A, t);
            }
            foreach (var (module, (a, b)) in modules)
            {
                var layer = layers[module];
                if (a is null || b is null) { problems.Add($"{Prefix}{module} has only lora_{(a is null ? "B" : "A")}"); continue; }
                long r = a.shape[0];
                if (a.shape.Length != 2 || b.shape.Length != 2 || a.shape[1] != layer.InFeatures || b.shape[0] != layer.OutFeatures || b.shape[1] != r)
                    problems.Add($"{Prefix}{module}: lora_A [{string.Join(", ", a.shape)}] and lora_B [{string.Join(", ", b.shape)}] do not fit a {layer.InFeatures} -> {layer.OutFeatures} layer");
                if (layer.HasAdapter) problems.Add($"{Prefix}{module} already has an adapter");
            }
            if (modules.Count == 0 && problems.Count == 0) problems.Add("it holds no lora_A / lora_B tensors");
            if (problems.Count > 0)
                throw new InvalidDataException($"{path}: the LoRA weights do not fit this model ({string.Join("; ", problems)}); was it trained on another base?");

            var settings = ReadSettings(metadata, path, (int)modules.First().Value.A!.shape[0]);
            using var noGrad = no_grad();
            foreach (var (module, (a, b)) in modules)
            {
                var layer = layers[module];
                layer.AddAdapter((int)a!.shape[0], settings.Alpha);
                layer.LoraA!.weight.copy_(a.to(layer.LoraA.weight.dtype));
                layer.LoraB!.weight.copy_(b!.to(layer.LoraB.weight.dtype));
            }
            return settings;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static LoraSettings ReadSettings(IReadOnlyDictionary<string, string> metadata, string path, int rank)
    {
        var settings = new LoraSettings { Rank = rank, Alpha = rank };
        if (!metadata.TryGetValue(MetadataKey, out var text)) return settings;
        try
        {
            var json = JsonNode.Parse(text)!.AsObject();
            if (json[Prefix + "r"] is { } r) settings = settings with { Rank = r.GetValue<int>() };
            if (json[Prefix + "lora_alpha"] is { } a) settings = settings with { Alpha = a.GetValue<double>() };
            if (json[Prefix + "target_modules"] is JsonArray t) settings = settings with { Targets = t.Select(n => n!.GetValue<string>()).ToArray() };
            if (json[Prefix + "init_lora_weights"] is { } i && i.GetValueKind() == JsonValueKind.String && i.GetValue<string>() == "gaussian") settings = settings with { Init = LoraSettings.GaussianInit };
            return settings;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: its \"{MetadataKey}\" metadata is not the adapter config JSON ({e.Message})", e);
        }
    }

}
