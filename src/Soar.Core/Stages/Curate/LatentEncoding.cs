using Soar.Core.Data;
using Soar.Core.Models.Pipeline;
using Soar.Core.Models.Vae;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Stages.Curate;

/// <summary>
/// The curate stage's encoding for a diffusers pipeline base (Pipeline="folder"): every curated image to VAE latents
/// and every distinct caption (and "") to SD3 prompt embeddings, once, into the dataset's <see cref="LatentCache"/>.
/// The VAE and then each text encoder is loaded alone (its size printed first) and released before the next.
/// </summary>
public static class LatentEncoding
{
    private const int ImagesPerBatch = 8;

    /// <summary>SOAR2013 when the curated images cannot be the pipeline's latents (ImageSize named, with a size that fits).</summary>
    public static void CheckImageSize(StageContext context, SD3PipelineFolder folder, int imageSize)
    {
        var vae = folder.ReadVaeConfig();
        var transformer = folder.ReadTransformerConfig();
        int f = vae.DownscaleFactor, step = f * transformer.PatchSize, native = transformer.SampleSize * f;
        int max = (transformer.PosEmbedMaxSize ?? 0) * step;
        if (imageSize % step != 0 || imageSize > max)
            throw new StageException("SOAR2013", $"stage '{context.Name}': ImageSize={imageSize} does not fit the pipeline {folder.Dir}: its VAE downsamples by {f} and its transformer takes patches of {transformer.PatchSize}, so ImageSize must be a multiple of {step} and at most {max} (pos_embed_max_size {transformer.PosEmbedMaxSize}); the model's own size is {native}: set ImageSize=\"{native}\"");
    }

    public static LatentCache Build(StageContext context, SD3PipelineFolder folder, int imageSize, CancellationToken ct)
    {
        var sampling = context.String("LatentSampling").Trim().ToLowerInvariant();
        long seed = context.Long("LatentSeed");
        int maxSequenceLength = context.Int("MaxSequenceLength");
        var dir = context.OutputDir;
        Directory.CreateDirectory(LatentCache.Dir(dir));
        var splits = new[] { CurateStage.TrainSplit, CurateStage.ValidationSplit };
        var captions = splits.ToDictionary(s => s, s => Rows(dir, s, ct).Select(r => r.Caption).ToList());
        var vaeHash = folder.VaeHash();
        var textHash = folder.TextEncodersHash();

        context.Log.Info($"encoding {captions.Values.Sum(c => c.Count)} images with {SD3PipelineFolder.Estimate(folder.VaeDir)} ({(sampling == LatentCache.SampleSampling ? $"posterior samples, seed {seed}" : "posterior means")})");
        VaeConfig vaeConfig;
        using (var vae = VaeFolder.Load(folder.VaeDir))
        {
            vae.eval();
            vaeConfig = vae.Config;
            foreach (var split in splits) EncodeImages(vae, dir, split, imageSize, sampling, seed, ct);
        }
        context.Log.Info($"released {Path.GetFileName(folder.VaeDir)}");

        context.Log.Info($"encoding {captions.Values.SelectMany(c => c).Distinct(StringComparer.Ordinal).Count()} distinct captions and the empty prompt with the text encoders, one at a time");
        using var table = PromptTable.Encode(folder, captions.Values.SelectMany(c => c), maxSequenceLength, context.Log.Info);
        table.Save(LatentCache.Dir(dir));
        // The split files hold captions as table rows, written now that the rows are known.
        foreach (var split in splits)
        {
            using var scope = NewDisposeScope();
            var (latents, _) = LatentCache.ReadSplit(dir, split);
            var index = tensor(captions[split].Select(c => table.TryRow(c, out var r) ? (long)r : 0L).ToArray(), [captions[split].Count]);
            LatentCache.WriteSplit(dir, split, latents, index);
        }

        var cache = new LatentCache
        {
            VaeHash = vaeHash, TextEncodersHash = textHash, LatentSampling = sampling, LatentSeed = seed,
            ScalingFactor = vaeConfig.ScalingFactor, ShiftFactor = vaeConfig.ShiftFactor ?? 0.0, ImageSize = imageSize,
            LatentChannels = vaeConfig.LatentChannels, LatentSize = imageSize / vaeConfig.DownscaleFactor, VaeDownscale = vaeConfig.DownscaleFactor,
            MaxSequenceLength = maxSequenceLength, Rows = captions.ToDictionary(kv => kv.Key, kv => (long)kv.Value.Count), Prompts = table.Prompts.Count,
        };
        cache.Write(dir);
        context.Log.Info($"latent cache: {cache.LatentChannels}x{cache.LatentSize}x{cache.LatentSize} latents, {cache.Prompts} prompt embeddings of {table.EncoderHiddenStates.shape[1]} tokens, in {LatentCache.Folder}/");
        return cache;
    }

    /// <summary>
    /// A split's images as the SD3 pipeline's latents: (z - shift_factor) * scaling_factor, z the posterior's mean or a
    /// sample whose noise comes from a CPU generator seeded (seed, split, row), so batching never changes a latent.
    /// </summary>
    public static void EncodeImages(AutoencoderKL vae, string dir, string split, int imageSize, string sampling, long seed, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var batches = new List<Tensor>();
        int row = 0;
        foreach (var chunk in Rows(dir, split, ct).Chunk(ImagesPerBatch))
        {
            ct.ThrowIfCancellationRequested();
            using var batchScope = NewDisposeScope();
            var images = TrainingSet.ToTensor(chunk.Select(r => r.DecodeImage().Pixels).ToList(), imageSize);
            using var posterior = vae.Encode(images);
            Tensor z;
            if (sampling == LatentCache.SampleSampling)
            {
                var rows = new Tensor[chunk.Length];
                for (int i = 0; i < chunk.Length; i++)
                {
                    using var g = new Generator(SplitMix64.Derive(seed, split, row + i), CPU);
                    using var one = new DiagonalGaussian(cat([posterior.Mean.narrow(0, i, 1), posterior.LogVar.narrow(0, i, 1)], 1));
                    rows[i] = one.Sample(g);
                }
                z = cat(rows, 0);
            }
            else z = posterior.Mode();
            batches.Add(vae.ToLatents(z).MoveToOuterDisposeScope());
            row += chunk.Length;
        }
        var latents = batches.Count > 0 ? cat(batches, 0)
            : zeros(0, vae.Config.LatentChannels, imageSize / vae.Config.DownscaleFactor, imageSize / vae.Config.DownscaleFactor);
        LatentCache.WriteSplit(dir, split, latents.contiguous(), zeros([latents.shape[0]], ScalarType.Int64));
    }

    private static IEnumerable<DatasetRecord> Rows(string dir, string split, CancellationToken ct)
    {
        var data = Path.Combine(dir, "data");
        if (!Directory.EnumerateFiles(data, $"{split}-*.parquet").Any()) return [];
        return DatasetReader.Open(data, split).Read(ct);
    }
}
