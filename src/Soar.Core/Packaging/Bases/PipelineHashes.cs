using Soar.Core.Models.Pipeline;
using Soar.Core.Stages;

namespace Soar.Core.Packaging.Bases;

/// <summary>
/// The content hash of a diffusers pipeline folder, by component: what a package trained on one records, and what the
/// consumer's copy must recompute. Only the components model_index.json names count (a download's README or single-file
/// checkpoint beside them does not).
/// </summary>
public sealed record PipelineHashes(string Transformer, string Vae, string TextEncoders, string Scheduler)
{
    public string ContentHash => Stages.ContentHash.Combine(
    [
        KeyValuePair.Create("transformer", Transformer), KeyValuePair.Create("vae", Vae),
        KeyValuePair.Create("text_encoders", TextEncoders), KeyValuePair.Create("scheduler", Scheduler),
    ]);

    public static PipelineHashes Of(SD3PipelineFolder folder) => new(
        SD3PipelineFolder.HashOf(folder.TransformerDir), folder.VaeHash(), folder.TextEncodersHash(),
        folder.SchedulerDir is null ? "none" : SD3PipelineFolder.HashOf(folder.SchedulerDir));

    /// <summary>"transformer, vae": the components whose hash differs from <paramref name="other"/>'s (with <paramref name="all"/>, else only VAE and text encoders).</summary>
    public string Differences(PipelineHashes other, bool all = true) => string.Join(", ",
        new[] { ("transformer", all && Transformer != other.Transformer), ("vae", Vae != other.Vae), ("text encoders", TextEncoders != other.TextEncoders), ("scheduler", all && Scheduler != other.Scheduler) }
            .Where(c => c.Item2).Select(c => c.Item1));
}
