using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Models.Lora;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Stages.Training;

/// <summary>
/// The Lora stage parameter of sft, soar and flow-grpo: "rank=32;alpha=64;targets=...;init=..." trains only LoRA
/// adapters on the model (recorded in the model section, so every later load rebuilds them), or "" trains all weights.
/// A base model that carries adapters is merged into its weights first.
/// </summary>
public static class LoraParameter
{
    public const string Name = "Lora";
    /// <summary>Where a LoRA-trained stage writes its adapters alone, in diffusers' format.</summary>
    public const string Folder = "lora";

    /// <summary>The parameter's settings in their canonical form, or null when empty; SOAR2109 names a bad value.</summary>
    public static string? Read(StageContext context)
    {
        var raw = context.String(Name);
        if (string.IsNullOrWhiteSpace(raw)) return null;
        try { return LoraSettings.Parse(raw).ToString(); }
        catch (ArgumentException e) { throw new StageException("SOAR2109", $"stage '{context.Name}': parameter {Name}=\"{raw}\": {e.Message}", e); }
    }

    /// <summary>
    /// <see cref="ModelRegistry.Create"/>, with an architecture that cannot carry the adapters reported as SOAR2109. With
    /// adapters the global seed is set from the stage's Seed first, so their A matrices are the same on every run.
    /// </summary>
    public static VelocityModel Create(StageContext context, ModelConfig architecture)
    {
        if (architecture.Lora is null) return ModelRegistry.Create(architecture);
        manual_seed((long)SplitMix64.Derive(context.Long("Seed"), "lora", 0));
        try
        {
            var model = ModelRegistry.Create(architecture);
            long trainable = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
            context.Log.Info($"LoRA {architecture.Lora}: {trainable:N0} trainable of {model.ParameterCount():N0} parameters");
            return model;
        }
        catch (ArgumentException e) { throw new StageException("SOAR2109", $"stage '{context.Name}': parameter {Name}=\"{architecture.Lora}\": {e.Message}", e); }
    }

    /// <summary>
    /// Copies a base checkpoint's weights into <paramref name="target"/> whatever adapters either carries: a base with
    /// adapters is rebuilt with them, loaded and merged; then every non-adapter tensor is copied by name.
    /// </summary>
    public static void LoadBase(CheckpointReader reader, ModelConfig baseArchitecture, VelocityModel target, bool useEma)
    {
        if (baseArchitecture.Lora is null && !LoraAdapters.Adapted(LoraAdapters.RootOf(target)).Any())
        {
            reader.LoadWeightsInto(target, useEma);
            return;
        }
        using var source = ModelRegistry.Create(baseArchitecture);
        reader.LoadWeightsInto(source, useEma);
        LoraAdapters.Merge(LoraAdapters.RootOf(source));
        var weights = source.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, t) in target.state_dict())
            if (!name.Contains(".lora_A.", StringComparison.Ordinal) && !name.Contains(".lora_B.", StringComparison.Ordinal))
                t.copy_(weights[name]);
    }

    /// <summary>Writes lora/pytorch_lora_weights.safetensors when the model trained adapters.</summary>
    public static void Export(VelocityModel model, string outputDir)
    {
        if (model.Config.Lora is not { } lora) return;
        LoraFile.Save(Path.Combine(outputDir, Folder, LoraFile.FileName), LoraAdapters.RootOf(model), LoraSettings.Parse(lora));
    }
}
