using Soar.Core.Data;
using Soar.Core.Rewards;
using Soar.Core.Text;
using Soar.Core.Training;
using Soar.Core.Worlds;

namespace Soar.Core.Stages.FlowGrpo;

/// <summary>
/// The prompt pool of a Flow-GRPO stage (parameter Prompts): "train" = training prompts of the model's built-in world
/// (with their specs, for the geneval/ocr rewards), "dataset" = captions of an upstream curated dataset, or captions
/// separated by '|'. Pool prompts with words the model never saw are left out (and counted in the log).
/// </summary>
public static class FlowGrpoPrompts
{
    public static IReadOnlyList<RewardPrompt> Resolve(StageContext context, CaptionTokenizer tokenizer, string? world, StageInput? datasetInput, int imageSize, long seed)
    {
        var spec = context.String("Prompts").Trim();
        int pool = context.Int("PromptPool");
        if (spec.Equals("train", StringComparison.OrdinalIgnoreCase))
        {
            if (world is null || !WorldCatalog.TryGet(world, out var w))
                throw new StageException("SOAR2504", $"stage '{context.Name}': Prompts=train needs a model trained on a built-in world ({string.Join(", ", WorldCatalog.Names)}); this one was trained on '{world ?? "unknown"}' data. Use Prompts=dataset with the dataset stage upstream, or captions separated by '|'.");
            // The world's training stream (never the held-out prompts), distinct captions only.
            var drawn = w.Sample((long)SplitMix64.Derive(seed, "grpo-prompt-pool", 0), pool, imageSize)
                .Select(s => s.Prompt).DistinctBy(p => p.Caption).Select(RewardPrompt.From);
            return Encodable(context, tokenizer, drawn.ToArray(), $"the '{world}' training prompts");
        }
        if (spec.Equals("dataset", StringComparison.OrdinalIgnoreCase))
        {
            if (datasetInput is null)
                throw new StageException("SOAR2504", $"stage '{context.Name}': Prompts=dataset needs a curate stage upstream (add it to Upstream) whose captions to use.");
            var captions = DatasetReader.Open(Path.Combine(datasetInput.Dir, "data"), "train").Read()
                .Select(r => r.Caption).Where(c => c.Length > 0).Distinct().Take(pool)
                .Select(c => new RewardPrompt(c)).ToArray();
            return Encodable(context, tokenizer, captions, $"the captions of '{datasetInput.Name}'");
        }
        var given = spec.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (given.Length == 0) throw new StageException("SOAR2504", $"stage '{context.Name}': Prompts is empty; use train, dataset or captions separated by '|'");
        // Captions the user typed must all be usable: an unknown word is an error (SOAR2503 from the trainer), not a skip.
        return given.Distinct().Select(c => new RewardPrompt(c)).ToArray();
    }

    private static IReadOnlyList<RewardPrompt> Encodable(StageContext context, CaptionTokenizer tokenizer, RewardPrompt[] prompts, string what)
    {
        var usable = prompts.Where(p => tokenizer.TryEncode(p.Caption, out _, out _)).ToArray();
        if (usable.Length == 0)
            throw new StageException("SOAR2504", $"stage '{context.Name}': none of {what} can be written with the model's vocabulary; give captions separated by '|' in the words the model was trained on.");
        if (usable.Length < prompts.Length)
            context.Log.Info($"{prompts.Length - usable.Length} of {prompts.Length} prompts from {what} use words the model never saw and are left out");
        return usable;
    }
}
