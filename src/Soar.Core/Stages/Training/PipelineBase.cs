using Soar.Core.Data;
using Soar.Core.Models;
using Soar.Core.Models.Pipeline;
using Soar.Core.Models.SD3;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Stages.Training;

/// <summary>
/// A training stage on a diffusers pipeline base (ModelPackage or &lt;BaseModel&gt; naming the folder): the denoiser is
/// the folder's transformer (with the stage's LoRA adapters), and the data is the curate stage's latent cache, whose
/// VAE and text-encoder hashes must be the folder's. No VAE or text encoder runs per step.
/// Errors: SOAR2110 the dataset has no latent cache, SOAR2111 it was encoded by another VAE or text encoders.
/// </summary>
public static class PipelineBase
{
    /// <summary>The sd3-pipeline model of <paramref name="pipelineDir"/>'s transformer weights, for the latents of <paramref name="datasetDir"/>.</summary>
    public static VelocityModel Create(StageContext context, string pipelineDir, string datasetDir, string? lora)
    {
        var folder = SD3PipelineFolder.Open(pipelineDir);
        var cache = RequireCache(context, datasetDir);
        if (cache.Mismatch(folder.VaeHash(), folder.TextEncodersHash(), folder.Dir) is { } mismatch)
            throw new StageException("SOAR2111", $"stage '{context.Name}': {mismatch}");
        var config = new SD3PipelineConfig
        {
            // No project text encoder (TextLayers 0); MaxTokens is the context the estimate counts: 77 CLIP + T5's tokens.
            Transformer = folder.ReadTransformerConfig() with { TextLayers = 0, TextDim = 1, TextHeads = 1, MaxTokens = 77 + cache.MaxSequenceLength },
            Pipeline = folder.Dir, VaeHash = cache.VaeHash, TextEncodersHash = cache.TextEncodersHash,
            MaxSequenceLength = cache.MaxSequenceLength, VaeDownscale = cache.VaeDownscale,
            ImageSize = cache.LatentSize, Channels = cache.LatentChannels, VocabSize = 2, MaxTokens = 1,
            // The scheduler's shift (SD3: 3.0), recorded in the checkpoint so every later stage samples with it.
            TimestepShift = folder.TimestepShift(), Lora = lora,
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new StageException("SOAR2111", $"stage '{context.Name}': the latents of '{datasetDir}' do not fit {folder.TransformerDir}: {e.Message}; curate with another ImageSize", e); }
        context.Log.Info($"base: the transformer of {folder.Dir} ({SD3PipelineFolder.Estimate(folder.TransformerDir)}), timestep shift {config.TimestepShift}");
        var model = LoraParameter.Create(context, config);
        try { DiffusersFolder.LoadWeightsInto(folder.TransformerDir, ((SD3PipelineModel)model).Transformer); }
        catch { model.Dispose(); throw; }
        return model;
    }

    /// <summary>The cached latents and prompt rows of the train split, the prompt table set on the model.</summary>
    public static TrainingSet LoadTrainingSet(StageContext context, SD3PipelineModel model, string datasetDir, Device device)
    {
        var cache = RequireCache(context, datasetDir);
        var config = (SD3PipelineConfig)model.Config;
        if (cache.Mismatch(config.VaeHash, config.TextEncodersHash, config.Pipeline) is { } mismatch)
            throw new StageException("SOAR2111", $"stage '{context.Name}': {mismatch}");
        if (cache.LatentSize != config.ImageSize || cache.LatentChannels != config.Channels)
            throw new StageException("SOAR2111", $"stage '{context.Name}': the dataset's latents are {cache.LatentChannels}x{cache.LatentSize}x{cache.LatentSize}, the model was trained on {config.Channels}x{config.ImageSize}x{config.ImageSize}; curate with ImageSize={config.ImageSize * config.VaeDownscale}");
        model.Prompts?.Dispose();
        model.Prompts = PromptTable.Load(LatentCache.Dir(datasetDir));
        var (latents, rows) = LatentCache.ReadSplit(datasetDir, Curate.CurateStage.TrainSplit);
        var captions = rows.data<long>().ToArray().Select(r => model.Prompts.Prompts[(int)r]).ToList();
        return TrainingSet.FromTensors(latents.to(device), rows.to(device), captions);
    }

    /// <summary>[1, 1]: the prompt table's empty row (caption dropout's and CFG's input).</summary>
    public static Tensor EmptyRow(Device device) => zeros([1, 1], ScalarType.Int64, device: device);

    private static LatentCache RequireCache(StageContext context, string datasetDir)
    {
        try { return LatentCache.Load(datasetDir); }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new StageException("SOAR2110", $"stage '{context.Name}': a diffusers pipeline base trains on cached latents: {e.Message}", e);
        }
    }
}
