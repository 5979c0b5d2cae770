using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Models.DiT;
using Soar.Core.Models.Lora;
using Soar.Core.Models.Pipeline;
using Soar.Core.Models.SD3;
using Soar.Core.Models.UNet;

namespace Soar.Core.Models;

/// <summary>
/// Every architecture the pipeline can train, keyed by config.json's model "architecture" field, with its named
/// presets. Adding an architecture is one folder under Models/ plus one entry here.
/// </summary>
public static class ModelRegistry
{
    /// <summary>How to read, build and name the presets of one architecture.</summary>
    private sealed record Entry(string Name, Type ConfigType, Func<ModelConfig, VelocityModel> Create, IReadOnlyDictionary<string, ModelConfig> Presets);

    private static readonly Entry[] Entries =
    [
        new(DiTConfig.Name, typeof(DiTConfig), c => new FlowDiT((DiTConfig)c), DiTConfig.Presets.ToDictionary(kv => kv.Key, kv => (ModelConfig)kv.Value)),
        new(UNetConfig.Name, typeof(UNetConfig), c => new FlowUNet((UNetConfig)c), UNetConfig.Presets.ToDictionary(kv => kv.Key, kv => (ModelConfig)kv.Value)),
        new(SD3Config.Name, typeof(SD3Config), c => new SD3FlowModel((SD3Config)c), SD3Config.Presets.ToDictionary(kv => kv.Key, kv => (ModelConfig)kv.Value)),
        // Built from a diffusers pipeline folder (TrainingStageRunner), never from a preset.
        new(SD3PipelineConfig.Name, typeof(SD3PipelineConfig), c => new SD3PipelineModel((SD3PipelineConfig)c), new Dictionary<string, ModelConfig>()),
    ];

    public static IReadOnlyList<string> Architectures { get; } = Entries.Select(e => e.Name).ToArray();

    public static IReadOnlyList<string> PresetNames { get; } = Entries.SelectMany(e => e.Presets.Keys).ToArray();

    /// <summary>
    /// A fresh model of the config's architecture (random initialisation from the global torch seed), with the config's
    /// LoRA adapters (zero B, so the same output) and everything else frozen when it names some.
    /// </summary>
    public static VelocityModel Create(ModelConfig config)
    {
        config.Validate();
        var model = Find(config.Architecture, "the model config").Create(config);
        if (config.Lora is { } lora)
        {
            try { LoraAdapters.Attach(model, LoraSettings.Parse(lora)); }
            catch { model.Dispose(); throw; }
        }
        return model;
    }

    /// <summary>A named preset sized for a dataset and a tokenizer.</summary>
    public static ModelConfig FromPreset(string preset, int imageSize, int vocabSize, int maxTokens, double timestepShift)
    {
        var key = preset.ToLowerInvariant();
        var template = Entries.Select(e => e.Presets.GetValueOrDefault(key)).FirstOrDefault(p => p is not null)
            ?? throw new ArgumentException($"unknown model preset '{preset}'; known: {string.Join(", ", PresetNames)}", nameof(preset));
        return template with { Preset = key, ImageSize = imageSize, VocabSize = vocabSize, MaxTokens = maxTokens, TimestepShift = timestepShift };
    }

    /// <summary>config.json's "model" section -> the architecture's config; a section without "architecture" is a DiT.</summary>
    public static ModelConfig ReadConfig(JsonNode section, string source)
    {
        var name = section["architecture"]?.GetValue<string>() ?? DiTConfig.Name;
        var entry = Find(name, source);
        ModelConfig config;
        try { config = (ModelConfig)(section.Deserialize(entry.ConfigType) ?? throw new JsonException("the section is null")); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: config.json's \"model\" section is not a valid '{name}' config: {e.Message}", e); }
        config.CheckLimits(source);
        try { config.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: config.json's \"model\" section: {e.Message}", e); }
        return config;
    }

    /// <summary>The "model" section written with each checkpoint (every field of the concrete config, architecture included).</summary>
    public static JsonNode WriteConfig(ModelConfig config) => JsonSerializer.SerializeToNode(config, config.GetType())!;

    private static Entry Find(string architecture, string source) =>
        Entries.FirstOrDefault(e => e.Name == architecture)
        ?? throw new InvalidDataException($"{source}: unknown model architecture '{architecture}'; this tool knows: {string.Join(", ", Architectures)}");
}
