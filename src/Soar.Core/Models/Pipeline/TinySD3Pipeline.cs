using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Models.SD3;
using Soar.Core.Models.TextEncoders;
using Soar.Core.Models.Vae;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Models.Pipeline;

/// <summary>
/// A whole SD3-shaped diffusers pipeline folder small enough for tests and for checking against diffusers
/// (`soar model init --architecture sd3-pipeline`): model_index.json; transformer/ (2 layers of 2 heads of 8, patch 2,
/// rms qk-norm, dual attention in layer 0, 4 latent channels); vae/ (three blocks of 8, 16, 16 channels: 32 px images
/// are 8 x 8 latents; SD3's scaling 1.5305 and shift 0.0609, no quant convs); text_encoder/ and text_encoder_2/ (tiny
/// CLIPs of width 32, quick_gelu and gelu, projections 32); optionally text_encoder_3/ (tiny T5 of width 64); their
/// tokenizers (CLIP-G's pad "!", as SD3's); scheduler/ (FlowMatchEulerDiscreteScheduler, shift 3.0). Each component is
/// initialised (PyTorch's defaults) from its own seed derived from <paramref name="seed"/>.
/// </summary>
public static class TinySD3Pipeline
{
    public const string Architecture = "sd3-pipeline";
    public const int ImageSize = 32;

    public static VaeConfig Vae { get; } = new()
    {
        BlockOutChannels = [8, 16, 16],
        DownBlockTypes = [VaeConfig.DownBlockType, VaeConfig.DownBlockType, VaeConfig.DownBlockType],
        UpBlockTypes = [VaeConfig.UpBlockType, VaeConfig.UpBlockType, VaeConfig.UpBlockType],
        LayersPerBlock = 1, NormNumGroups = 4, LatentChannels = 4, SampleSize = ImageSize,
        ScalingFactor = 1.5305, ShiftFactor = 0.0609, UseQuantConv = false, UsePostQuantConv = false,
    };

    public static ClipTextConfig ClipL { get; } = TinyTextEncoders.Clip;
    public static ClipTextConfig ClipG { get; } = TinyTextEncoders.Clip with { HiddenAct = "gelu" };

    /// <summary>joint_attention_dim 64 = T5's d_model (the two CLIPs' 32 + 32 are zero-padded to it); pooled 32 + 32.</summary>
    public static SD3Config Transformer { get; } = new()
    {
        SampleSize = ImageSize / 4, PatchSize = 2, InChannels = 4, OutChannels = 4, NumLayers = 2, AttentionHeadDim = 8, NumAttentionHeads = 2,
        JointAttentionDim = TinyTextEncoders.T5.DModel, CaptionProjectionDim = 16, PooledProjectionDim = 64, PosEmbedMaxSize = 16,
        DualAttentionLayers = [0], QkNorm = "rms_norm",
    };

    /// <summary>Writes the folder into <paramref name="dir"/> (created; files of the same names replaced).</summary>
    public static void Write(string dir, long seed, bool withT5, ScalarType dtype = ScalarType.Float32)
    {
        Directory.CreateDirectory(dir);
        void Seed(string component) => manual_seed((long)(SplitMix64.Derive(seed, component, 0) >> 1));
        Seed("transformer");
        using (var transformer = new SD3Transformer2DModel(Transformer)) DiffusersFolder.Save(Path.Combine(dir, DiffusersFolder.Subfolder), transformer, dtype);
        Seed("vae");
        using (var vae = new AutoencoderKL(Vae)) VaeFolder.Save(Path.Combine(dir, VaeFolder.Subfolder), vae, dtype);
        Seed("text_encoder");
        using (var l = new ClipTextModelWithProjection(ClipL)) ClipTextFolder.Save(Path.Combine(dir, "text_encoder"), l, dtype);
        Seed("text_encoder_2");
        using (var g = new ClipTextModelWithProjection(ClipG)) ClipTextFolder.Save(Path.Combine(dir, "text_encoder_2"), g, dtype);
        TinyTextEncoders.WriteClipTokenizer(Path.Combine(dir, "tokenizer"));
        TinyTextEncoders.WriteClipTokenizer(Path.Combine(dir, "tokenizer_2"), padToken: "!");
        if (withT5)
        {
            Seed("text_encoder_3");
            using var t5 = new T5EncoderModel(TinyTextEncoders.T5);
            T5Folder.Save(Path.Combine(dir, "text_encoder_3"), t5, dtype);
            TinyTextEncoders.WriteT5Tokenizer(Path.Combine(dir, "tokenizer_3"));
        }
        WriteJson(Path.Combine(dir, SD3PipelineFolder.SchedulerFolder, SD3PipelineFolder.SchedulerConfigFile), new JsonObject
        {
            ["_class_name"] = SD3PipelineFolder.SchedulerClass, ["_diffusers_version"] = SD3Config.DiffusersVersion,
            ["num_train_timesteps"] = 1000, ["shift"] = 3.0,
        });
        JsonArray Entry(string? library, string? cls) => new(library, cls);
        WriteJson(Path.Combine(dir, SD3PipelineFolder.IndexFile), new JsonObject
        {
            ["_class_name"] = SD3PipelineFolder.PipelineClass, ["_diffusers_version"] = SD3Config.DiffusersVersion,
            ["scheduler"] = Entry("diffusers", SD3PipelineFolder.SchedulerClass),
            ["text_encoder"] = Entry("transformers", ClipTextConfig.ClassName),
            ["text_encoder_2"] = Entry("transformers", ClipTextConfig.ClassName),
            ["text_encoder_3"] = withT5 ? Entry("transformers", T5Config.ClassName) : Entry(null, null),
            ["tokenizer"] = Entry("transformers", ClipTokenizer.TokenizerClass),
            ["tokenizer_2"] = Entry("transformers", ClipTokenizer.TokenizerClass),
            ["tokenizer_3"] = withT5 ? Entry("transformers", T5Tokenizer.TokenizerClass) : Entry(null, null),
            ["transformer"] = Entry("diffusers", SD3Config.DiffusersClassName),
            ["vae"] = Entry("diffusers", VaeConfig.DiffusersClassName),
        });
    }

    private static void WriteJson(string path, JsonObject json)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        DurableFile.WriteText(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n");
    }
}
