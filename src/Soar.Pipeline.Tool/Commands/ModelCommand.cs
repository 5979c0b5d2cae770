using System.CommandLine;
using System.Globalization;
using Soar.Core.Models.Lora;
using Soar.Core.Models.Pipeline;
using Soar.Core.Models.SD3;
using Soar.Core.Models.TextEncoders;
using Soar.Core.Models.Vae;
using Soar.Core.Stages;
using static TorchSharp.torch;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>
/// `soar model`: numerical tools for diffusers-layout transformers. `init` writes a randomly initialised model,
/// `velocity` runs one forward on named input tensors, `convert` turns an original single-file SD3 checkpoint into the
/// diffusers layout, `merge-lora` folds a LoRA file into a base model's weights; `encode-image` and `decode-latents`
/// run a diffusers-layout VAE (AutoencoderKL); `encode-text` runs SD3's text encoders (CLIP-L, CLIP-G, T5) on prompts.
/// </summary>
public static class ModelCommand
{
    public static Command Create()
    {
        var command = new Command("model", "Create, convert and run diffusers-layout SD3 transformers, VAEs and text encoders (numerical checks against other implementations).");
        command.Add(Init());
        command.Add(Velocity());
        command.Add(Convert());
        command.Add(MergeLora());
        command.Add(Export());
        command.Add(EncodeImage());
        command.Add(DecodeLatents());
        command.Add(EncodeText());
        return command;
    }

    private static Option<string> DtypeOption() => new("--dtype") { Description = "Weights dtype on disk: fp32, fp16 or bf16.", DefaultValueFactory = _ => "fp32" };

    private static Option<long> ShardOption() => new("--max-shard-mb") { Description = "Split the weights into shards of at most this many MB with an index, as diffusers does (0 = one file).", DefaultValueFactory = _ => 0L };

    private static Command Init()
    {
        var architecture = new Option<string>("--architecture") { Description = "The architecture to create: sd3 (SD3Transformer2DModel), vae (AutoencoderKL), clip (CLIPTextModelWithProjection), t5 (T5EncoderModel) or sd3-pipeline (a whole tiny SD3 diffusers pipeline folder: transformer, VAE, CLIP-L, CLIP-G, optional T5, tokenizers, scheduler, model_index.json).", Required = true };
        var withT5 = new Option<bool>("--t5") { Description = "sd3-pipeline only: include text_encoder_3 (a tiny T5) and tokenizer_3; without it they are null, as a pipeline loaded with text_encoder_3=None." };
        var config = new Option<FileInfo?>("--config") { Description = "A diffusers config.json of SD3Transformer2DModel or AutoencoderKL, or a transformers config.json of CLIPTextModelWithProjection or T5EncoderModel (every key it has; unknown keys are an error). Required for sd3 and vae; clip and t5 default to a tiny model." };
        var seed = new Option<long>("--seed") { Description = "Seed of the random initialisation (PyTorch's default initialisation, as diffusers').", DefaultValueFactory = _ => 0L };
        var dtype = DtypeOption();
        var shards = ShardOption();
        var padToken = new Option<string?>("--pad-token") { Description = "clip only: the tokenizer's pad_token, <|endoftext|> (SD3's CLIP-L, the default) or ! (SD3's CLIP-G)." };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to create; sd3 and vae go to its transformer/ or vae/ subfolder (config.json and diffusion_pytorch_model.safetensors); clip and t5 fill it in the transformers layout (config.json, model.safetensors and a tiny tokenizer).", Required = true };
        var command = new Command("init", "Write a randomly initialised model in the diffusers or transformers layout.") { architecture, config, seed, dtype, shards, padToken, withT5, output };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var arch = parse.GetRequiredValue(architecture);
            if (parse.GetValue(withT5) && arch != TinySD3Pipeline.Architecture)
                throw new StageException("SOAR1003", $"--t5: adds T5 to a tiny pipeline; it applies to --architecture {TinySD3Pipeline.Architecture} only");
            if (arch == TinySD3Pipeline.Architecture)
                return InitPipeline(parse.GetValue(config), parse.GetValue(shards), parse.GetValue(seed), parse.GetValue(withT5), Dtype(parse.GetRequiredValue(dtype)), parse.GetRequiredValue(output));
            if (parse.GetValue(padToken) is not null && arch != TextEncoderInit.Clip)
                throw new StageException("SOAR1003", "--pad-token: sets the CLIP tokenizer's pad_token; it applies to --architecture clip only");
            if (arch is TextEncoderInit.Clip or TextEncoderInit.T5)
                return TextEncoderInit.Run(arch, parse.GetValue(config)?.FullName, parse.GetValue(seed), Dtype(parse.GetRequiredValue(dtype)), MaxShardBytes(parse.GetValue(shards)),
                    parse.GetValue(padToken), parse.GetRequiredValue(output));
            var configFile = parse.GetValue(config)?.FullName
                ?? throw new StageException("SOAR1003", $"--config: --architecture {arch} needs a config.json (diffusers' keys of the model to create)");
            if (arch == VaeArchitecture && parse.GetValue(shards) != 0)
                throw new StageException("SOAR1003", "--max-shard-mb: a VAE is written as one diffusion_pytorch_model.safetensors (as diffusers does at its size); leave it out");
            if (arch == VaeArchitecture) return InitVae(configFile, parse.GetValue(seed), Dtype(parse.GetRequiredValue(dtype)), parse.GetRequiredValue(output));
            if (arch != SD3Config.Name) throw new StageException("SOAR1003", $"--architecture {arch}: use '{SD3Config.Name}', '{VaeArchitecture}', '{TextEncoderInit.Clip}' or '{TextEncoderInit.T5}'");
            var sd3 = DiffusersFolder.ReadConfigFile(configFile);
            var scalar = Dtype(parse.GetRequiredValue(dtype));
            var outDir = AdHocStage.PrepareOutput(parse.GetRequiredValue(output));
            PrintEstimate(sd3);
            manual_seed(parse.GetValue(seed));
            using var model = new SD3Transformer2DModel(sd3);
            WriteFolder(outDir, model, scalar, parse.GetValue(shards));
            Console.WriteLine($"model written to {Path.Combine(outDir, DiffusersFolder.Subfolder)}");
            return 0;
        }, ct));
        return command;
    }

    private static Command Velocity()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "A diffusers transformer folder (or a pipeline folder with transformer/).", Required = true };
        var inputs = new Option<FileInfo>("--inputs") { Description = "A safetensors file with hidden_states [B, C, H, W], timestep [B] (1000 sigma), encoder_hidden_states [B, L, joint_attention_dim], pooled_projections [B, pooled_projection_dim].", Required = true };
        var lora = new Option<FileInfo?>("--lora") { Description = "A pytorch_lora_weights.safetensors to apply first." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The safetensors file to write, holding 'sample'.", Required = true };
        var command = new Command("velocity", "Run one forward of a diffusers-layout transformer on named tensors and write 'sample'.") { model, inputs, lora, output };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            using var transformer = DiffusersFolder.Load(parse.GetRequiredValue(model).FullName);
            if (parse.GetValue(lora) is { } l) LoraFile.Load(l.FullName, transformer);
            var outPath = parse.GetRequiredValue(output).FullName;
            VelocityInputs.Run(transformer, parse.GetRequiredValue(inputs).FullName, outPath);
            Console.WriteLine($"sample written to {outPath}");
            return 0;
        }, ct));
        return command;
    }

    private static Command Convert()
    {
        var from = new Option<FileInfo>("--from") { Description = "An original single-file SD3 / SD3.5 checkpoint (.safetensors; model.diffusion_model.* names).", Required = true };
        var config = new Option<FileInfo?>("--config") { Description = "The diffusers config.json to build; default: inferred from the shapes (attention_head_dim 64, sample_size 128)." };
        var dtype = DtypeOption();
        var shards = ShardOption();
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to create; the model goes to its transformer/ subfolder.", Required = true };
        var command = new Command("convert", "Convert an original single-file SD3 checkpoint to the diffusers layout.") { from, config, dtype, shards, output };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var scalar = Dtype(parse.GetRequiredValue(dtype));
            var outDir = AdHocStage.PrepareOutput(parse.GetRequiredValue(output));
            var sd3 = parse.GetValue(config) is { } c ? DiffusersFolder.ReadConfigFile(c.FullName) : null;
            using var model = SingleFileCheckpoint.Load(parse.GetRequiredValue(from).FullName, sd3);
            WriteFolder(outDir, model, scalar, parse.GetValue(shards));
            Console.WriteLine($"model written to {Path.Combine(outDir, DiffusersFolder.Subfolder)}");
            return 0;
        }, ct));
        return command;
    }

    private static Command MergeLora()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "The base: a diffusers transformer folder (or a pipeline folder with transformer/).", Required = true };
        var lora = new Option<FileInfo>("--lora") { Description = "The pytorch_lora_weights.safetensors trained on that base.", Required = true };
        var dtype = DtypeOption();
        var shards = ShardOption();
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to create with the merged model in transformer/.", Required = true };
        var command = new Command("merge-lora", "Fold a LoRA adapter into its base model's weights (W + alpha/r B A) and write the merged model.") { model, lora, dtype, shards, output };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var scalar = Dtype(parse.GetRequiredValue(dtype));
            var outDir = AdHocStage.PrepareOutput(parse.GetRequiredValue(output));
            using var transformer = DiffusersFolder.Load(parse.GetRequiredValue(model).FullName);
            var settings = LoraFile.Load(parse.GetRequiredValue(lora).FullName, transformer);
            LoraAdapters.Merge(transformer);
            WriteFolder(outDir, transformer, scalar, parse.GetValue(shards));
            Console.WriteLine($"merged ({settings}) model written to {Path.Combine(outDir, DiffusersFolder.Subfolder)}");
            return 0;
        }, ct));
        return command;
    }

    private static Command Export()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "A finished sd3 model stage folder (or its checkpoint folder).", Required = true };
        var merge = new Option<bool>("--merge") { Description = "Fold the stage's LoRA adapters into the weights; without it the base weights are written and the adapters beside them as pytorch_lora_weights.safetensors." };
        var ema = new Option<bool>("--ema") { Description = "Export the EMA weights when the checkpoint kept them." };
        var dtype = DtypeOption();
        var shards = ShardOption();
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to create with transformer/ (and pytorch_lora_weights.safetensors).", Required = true };
        var command = new Command("export", "Write a trained sd3 stage's transformer in the diffusers layout (its LoRA adapters merged or as a separate file).") { model, merge, ema, dtype, shards, output };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var scalar = Dtype(parse.GetRequiredValue(dtype));
            var outDir = AdHocStage.PrepareOutput(parse.GetRequiredValue(output));
            using var trained = Soar.Core.Models.TrainedModel.Load(parse.GetRequiredValue(model).FullName, CPU, parse.GetValue(ema));
            var transformer = trained.Network switch
            {
                SD3FlowModel sd3 => sd3.Transformer,
                SD3PipelineModel pipeline => pipeline.Transformer,
                _ => throw new StageException("SOAR1003", $"--model {parse.GetRequiredValue(model).FullName}: a '{trained.Network.Config.Architecture}' model has no diffusers layout; only sd3 and sd3-pipeline models export"),
            };
            var lora = trained.Network.Config.Lora;
            if (parse.GetValue(merge)) LoraAdapters.Merge(transformer);
            var temp = $"{outDir}.tmp-{Guid.NewGuid().ToString("N")[..8]}";
            try
            {
                DiffusersFolder.Save(Path.Combine(temp, DiffusersFolder.Subfolder), transformer, scalar, MaxShardBytes(parse.GetValue(shards)));
                if (lora is not null && !parse.GetValue(merge)) LoraFile.Save(Path.Combine(temp, LoraFile.FileName), transformer, LoraSettings.Parse(lora));
                if (Directory.Exists(outDir)) Directory.Delete(outDir);
                Directory.Move(temp, outDir);
            }
            finally
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            }
            Console.WriteLine($"transformer written to {Path.Combine(outDir, DiffusersFolder.Subfolder)}{(lora is not null && !parse.GetValue(merge) ? $", its adapters to {Path.Combine(outDir, LoraFile.FileName)}" : "")}");
            return 0;
        }, ct));
        return command;
    }

    /// <summary>`--architecture sd3-pipeline`: the tiny pipeline folder of <see cref="TinySD3Pipeline"/>, written whole or not at all.</summary>
    private static int InitPipeline(FileInfo? config, long shards, long seed, bool withT5, ScalarType dtype, DirectoryInfo output)
    {
        if (config is not null) throw new StageException("SOAR1003", $"--config: --architecture {TinySD3Pipeline.Architecture} writes a fixed tiny pipeline; leave --config out (init each component with its own --config for other sizes)");
        if (shards != 0) throw new StageException("SOAR1003", $"--max-shard-mb: a tiny pipeline's weights are single files; leave it out");
        var outDir = AdHocStage.PrepareOutput(output);
        WriteAtomically(outDir, temp => TinySD3Pipeline.Write(temp, seed, withT5, dtype));
        var folder = SD3PipelineFolder.Open(outDir);
        foreach (var component in new[] { folder.TransformerDir, folder.VaeDir, folder.ClipLDir, folder.ClipGDir, folder.T5Dir }.OfType<string>())
            Console.WriteLine(SD3PipelineFolder.Estimate(component));
        Console.WriteLine($"tiny SD3 pipeline ({(withT5 ? "with" : "without")} T5, {TinySD3Pipeline.ImageSize} x {TinySD3Pipeline.ImageSize} images) written to {outDir}");
        return 0;
    }

    /// <summary>`--architecture vae`: diffusers' AutoencoderKL, written to the output's vae/ subfolder.</summary>
    private const string VaeArchitecture = "vae";

    private static int InitVae(string configFile, long seed, ScalarType dtype, DirectoryInfo output)
    {
        var vae = VaeConfig.ReadFile(configFile);
        var outDir = AdHocStage.PrepareOutput(output);
        long parameters = vae.ParameterCount();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{vae.BlockOutChannels.Count} blocks of [{string.Join(", ", vae.BlockOutChannels)}] channels, {vae.LatentChannels} latent channels: {parameters / 1e6:0.###}M parameters ({Mb(4.0 * parameters)} in float32)"));
        manual_seed(seed);
        using var model = new AutoencoderKL(vae);
        WriteAtomically(outDir, temp => VaeFolder.Save(Path.Combine(temp, VaeFolder.Subfolder), model, dtype));
        Console.WriteLine($"VAE written to {Path.Combine(outDir, VaeFolder.Subfolder)}");
        return 0;
    }

    private static Command EncodeImage()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "A diffusers VAE folder (or a pipeline folder with vae/).", Required = true };
        var image = new Option<FileInfo>("--image") { Description = "The image to encode (RGB; width and height multiples of the VAE's down-sampling factor).", Required = true };
        var sample = new Option<bool>("--sample") { Description = "Draw the latents from the posterior with a CPU generator seeded --seed; without it the latents are its mean." };
        var seed = new Option<long?>("--seed") { Description = "With --sample: seed of the sampling generator (torch.Generator().manual_seed; default 0)." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The safetensors file to write: latent_dist.mean, latent_dist.logvar and latents ((z - shift_factor) * scaling_factor, as the SD3 pipeline feeds its transformer).", Required = true };
        var command = new Command("encode-image", "Encode an image with a diffusers-layout VAE and write its posterior and scaled latents.") { model, image, sample, seed, output };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            if (parse.GetValue(seed) is not null && !parse.GetValue(sample))
                throw new StageException("SOAR1003", "--seed: seeds the posterior sample, so it needs --sample (without it the latents are the posterior's mean)");
            using var vae = VaeFolder.Load(parse.GetRequiredValue(model).FullName);
            var outPath = parse.GetRequiredValue(output).FullName;
            VaeFiles.EncodeImage(vae, parse.GetRequiredValue(image).FullName, parse.GetValue(sample) ? parse.GetValue(seed) ?? 0 : null, outPath);
            Console.WriteLine($"latents written to {outPath}");
            return 0;
        }, ct));
        return command;
    }

    private static Command DecodeLatents()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "A diffusers VAE folder (or a pipeline folder with vae/).", Required = true };
        var latents = new Option<FileInfo>("--latents") { Description = "A safetensors file holding 'latents' [B, latent_channels, h, w], scaled and shifted as the SD3 pipeline's transformer sees them.", Required = true };
        var output = new Option<FileInfo>("--out", "-o") { Description = "A .png (one image, clamped and rounded to 8 bits) or a .safetensors file holding 'sample' in [-1, 1] (unclamped).", Required = true };
        var command = new Command("decode-latents", "Decode latents (latents / scaling_factor + shift_factor) with a diffusers-layout VAE.") { model, latents, output };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var outPath = parse.GetRequiredValue(output).FullName;
            if (!outPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !outPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                throw new StageException("SOAR1003", $"--out {outPath}: write a .png image or a .safetensors file (holding '{VaeFiles.SampleName}')");
            using var vae = VaeFolder.Load(parse.GetRequiredValue(model).FullName);
            VaeFiles.DecodeLatents(vae, parse.GetRequiredValue(latents).FullName, outPath);
            Console.WriteLine($"{(outPath.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? "image" : "sample")} written to {outPath}");
            return 0;
        }, ct));
        return command;
    }

    private static Command EncodeText()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "A diffusers pipeline folder (model_index.json: text_encoder, text_encoder_2, optional text_encoder_3 and their tokenizers) or one CLIP or T5 encoder folder in the transformers layout.", Required = true };
        var prompt = new Option<string[]>("--prompt", "-p") { Description = "A prompt; repeat for a batch.", Required = true, AllowMultipleArgumentsPerToken = false };
        var maxLength = new Option<int?>("--max-length") { Description = "T5's max_sequence_length for a pipeline or a T5 folder (default 256); the sequence length for a CLIP folder (default its model_max_length, 77)." };
        var negative = new Option<string?>("--negative-prompt") { Description = "Pipeline only: also write the guidance input (negative_encoder_hidden_states, negative_pooled_projections) for this prompt; diffusers uses \"\"." };
        var clipSkip = new Option<int?>("--clip-skip") { Description = "Pipeline only: diffusers' clip_skip (CLIP states from hidden_states[-(clip_skip + 2)]; default the penultimate layer)." };
        var tokenizer = new Option<DirectoryInfo?>("--tokenizer") { Description = "Encoder folder only: its tokenizer folder (default: the folder itself, or the pipeline's tokenizer*/ beside text_encoder*/)." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The safetensors file to write; the token ids go beside it as <name>.tokens.json.", Required = true };
        var command = new Command("encode-text", "Encode prompts with SD3's text encoders (or one CLIP or T5 encoder) and write the tensors and token ids.") { model, prompt, maxLength, negative, clipSkip, tokenizer, output };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var outPath = parse.GetRequiredValue(output).FullName;
            if (!outPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                throw new StageException("SOAR1003", $"--out {outPath}: write a .safetensors file (the token ids go beside it as .tokens.json)");
            if (parse.GetValue(maxLength) is < 1) throw new StageException("SOAR1003", $"--max-length {parse.GetValue(maxLength)}: must be positive");
            if (parse.GetValue(clipSkip) is < 0) throw new StageException("SOAR1003", $"--clip-skip {parse.GetValue(clipSkip)}: must be 0 or more");
            try
            {
                TextEncoderFiles.EncodeText(parse.GetRequiredValue(model).FullName, parse.GetRequiredValue(prompt), outPath, parse.GetValue(maxLength),
                    parse.GetValue(negative), parse.GetValue(clipSkip), parse.GetValue(tokenizer)?.FullName);
            }
            catch (ArgumentException e) { throw new StageException("SOAR1003", e.Message); }
            Console.WriteLine($"embeddings written to {outPath}, token ids to {TextEncoderFiles.TokensPath(outPath)}");
            return 0;
        }, ct));
        return command;
    }

    /// <summary>Writes through <paramref name="write"/> into a temp folder renamed to <paramref name="outDir"/> when complete.</summary>
    internal static void WriteAtomically(string outDir, Action<string> write)
    {
        var temp = $"{outDir}.tmp-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            write(temp);
            if (Directory.Exists(outDir)) Directory.Delete(outDir);
            Directory.Move(temp, outDir);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    internal static long MaxShardBytes(long maxShardMb) => maxShardMb >= 0 ? maxShardMb * 1_000_000
        : throw new StageException("SOAR1003", $"--max-shard-mb {maxShardMb}: must be 0 (one file) or positive");

    /// <summary>Writes into a temp folder renamed to <paramref name="outDir"/> when complete.</summary>
    private static void WriteFolder(string outDir, SD3Transformer2DModel model, ScalarType dtype, long maxShardMb) =>
        WriteAtomically(outDir, temp => DiffusersFolder.Save(Path.Combine(temp, DiffusersFolder.Subfolder), model, dtype, MaxShardBytes(maxShardMb)));

    private static ScalarType Dtype(string name) => name.ToLowerInvariant() switch
    {
        "fp32" or "float32" => ScalarType.Float32,
        "fp16" or "float16" => ScalarType.Float16,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        _ => throw new StageException("SOAR1003", $"--dtype {name}: use fp32, fp16 or bf16"),
    };

    internal static string Mb(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#} MB");

    private static void PrintEstimate(SD3Config config)
    {
        // Transformer alone: no caption encoder; one training image at sample_size with 77 + 256 text tokens (CLIP + T5 at 256).
        var e = (config with { VocabSize = 0, TextLayers = 0, TextDim = 1, MaxTokens = 1, ImageSize = config.SampleSize }).Estimate(textTokens: 333);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{config.NumLayers} layers, width {config.InnerDim}: about {e.Parameters / 1e6:0.###}M parameters ({Mb(e.ParameterBytes)} in float32), " +
            $"{Mb(e.ActivationBytes)} of activations per training image at {config.SampleSize} x {config.SampleSize} latents"));
    }
}
