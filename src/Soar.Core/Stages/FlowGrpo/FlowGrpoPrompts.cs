using Soar.Core.Data;
using Soar.Core.Rewards;
using Soar.Core.Training;
using Soar.Core.Worlds;

namespace Soar.Core.Stages.FlowGrpo;

/// <summary>
/// The prompt pool of a Flow-GRPO stage (parameter Prompts): "train" = training prompts of the model's built-in world
/// (with their specs, for the geneval/ocr rewards), "dataset" = captions of an upstream curated dataset, or captions
/// separated by '|'.
/// </summary>
public static class FlowGrpoPrompts
{
    public static IReadOnlyList<RewardPrompt> Resolve(StageContext context, string? world, StageInput? datasetInput, int imageSize, long seed)
    {
        var spec = context.String("Prompts").Trim();
        int pool = context.Int("PromptPool");
        if (spec.Equals("train", StringComparison.OrdinalIgnoreCase))
        {
            if (world is null || !WorldCatalog.TryGet(world, out var w))
                throw new StageException("SOAR2504", $"stage '{context.Name}': Prompts=train needs a model trained on a built-in world ({string.Join(", ", WorldCatalog.Names)}); this one was trained on '{world ?? "unknown"}' data. Use Prompts=dataset with the dataset stage upstream, or captions separated by '|'.");
            // The world's training stream (never the held-out prompts), distinct captions only.
            return w.Sample((long)SplitMix64.Derive(seed, "grpo-prompt-pool", 0), pool, imageSize)
                .Select(s => s.Prompt).DistinctBy(p => p.Caption).Select(RewardPrompt.From).ToArray();
        }
        if (spec.Equals("dataset", StringComparison.OrdinalIgnoreCase))
        {
            if (datasetInput is null)
                throw new StageException("SOAR2504", $"stage '{context.Name}': Prompts=dataset needs a curate stage upstream (add it to Upstream) whose captions to use.");
            return DatasetReader.Open(Path.Combine(datasetInput.Dir, "data"), "train").Read()
                .Select(r => r.Caption).Where(c => c.Length > 0).Distinct().Take(pool)
                .Select(c => new RewardPrompt(c)).ToArray();
        }
        var captions = spec.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (captions.Length == 0) throw new StageException("SOAR2504", $"stage '{context.Name}': Prompts is empty; use train, dataset or captions separated by '|'");
        return captions.Distinct().Select(c => new RewardPrompt(c)).ToArray();
    }
}
