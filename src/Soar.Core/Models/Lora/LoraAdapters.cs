using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Models.Lora;

/// <summary>
/// LoRA over a model's <see cref="LoraLinear"/> layers, named relative to the denoiser (<see cref="RootOf"/>): inject by
/// target names, freeze everything else, turn adapters off and on (Flow-GRPO's KL reference), merge them into the base.
/// </summary>
public static class LoraAdapters
{
    /// <summary>The module LoRA names are relative to: an sd3 or sd3-pipeline model's diffusers transformer, any other model itself.</summary>
    public static nn.Module RootOf(VelocityModel model) => model switch
    {
        SD3FlowModel sd3 => sd3.Transformer,
        Pipeline.SD3PipelineModel pipeline => pipeline.Transformer,
        _ => model,
    };

    /// <summary>Every adaptable layer under <paramref name="root"/> with its name.</summary>
    public static IEnumerable<(string Name, LoraLinear Layer)> Layers(nn.Module root) =>
        root.named_modules().Where(m => m.module is LoraLinear).Select(m => (m.name, (LoraLinear)m.module));

    /// <summary>The layers that carry an adapter.</summary>
    public static IEnumerable<(string Name, LoraLinear Layer)> Adapted(nn.Module root) => Layers(root).Where(l => l.Layer.HasAdapter);

    /// <summary>
    /// Adds an adapter to every layer whose name matches a target; returns their names. No match is an error listing
    /// what could be targeted; an architecture without <see cref="LoraLinear"/> layers (dit, unet) says so.
    /// </summary>
    public static IReadOnlyList<string> Inject(nn.Module root, LoraSettings settings)
    {
        if (!Layers(root).Any())
            throw new ArgumentException($"this architecture ({root.GetName()}) has no layers that can carry adapters; LoRA needs the sd3 architecture");
        var matched = Layers(root).Where(l => settings.Matches(l.Name)).ToList();
        if (matched.Count == 0)
        {
            var adaptable = Layers(root).Select(l => l.Name.Split('.')[^1]).Distinct().Take(20);
            throw new ArgumentException($"no layer matches the LoRA targets {string.Join(",", settings.Targets)}; this model's adaptable layers end in: {string.Join(", ", adaptable)}");
        }
        foreach (var (_, layer) in matched) layer.AddAdapter(settings.Rank, settings.Alpha, settings.Init == LoraSettings.GaussianInit);
        return matched.Select(m => m.Name).ToList();
    }

    /// <summary>Injects the adapters into the model's denoiser (<see cref="RootOf"/>) and freezes every other weight of the model.</summary>
    public static IReadOnlyList<string> Attach(VelocityModel model, LoraSettings settings)
    {
        var root = RootOf(model);
        var names = Inject(root, settings);
        FreezeAllButAdapters(model, root);
        return names;
    }

    /// <summary>The adapters' A and B weights (what trains).</summary>
    public static IEnumerable<TorchSharp.Modules.Parameter> Parameters(nn.Module root) =>
        Adapted(root).SelectMany(l => new[] { l.Layer.LoraA!.weight, l.Layer.LoraB!.weight });

    /// <summary>Only adapter weights keep requires_grad; everything else in <paramref name="model"/> is frozen.</summary>
    public static void FreezeAllButAdapters(nn.Module model, nn.Module root)
    {
        var adapter = new HashSet<IntPtr>(Parameters(root).Select(p => p.Handle));
        foreach (var p in model.parameters()) p.requires_grad = adapter.Contains(p.Handle);
    }

    public static void SetEnabled(nn.Module root, bool enabled)
    {
        foreach (var (_, layer) in Adapted(root)) layer.AdapterEnabled = enabled;
    }

    /// <summary>Adapters off until disposed: the base model (Flow-GRPO's KL reference) without a second copy.</summary>
    public static IDisposable Disabled(nn.Module root)
    {
        SetEnabled(root, false);
        return new Restore(() => SetEnabled(root, true));
    }

    /// <summary>Folds every adapter into its base weight and removes it (the model then saves as a plain base model).</summary>
    public static void Merge(nn.Module root)
    {
        foreach (var (_, layer) in Adapted(root).ToList()) layer.Merge();
    }

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
