using Soar.Core.Data;
using Soar.Core.Worlds;

namespace Soar.Core.Stages.Eval;

/// <summary>
/// Resolves the Prompts parameter into prompt sets: ';'-separated entries, each 'in_distribution', 'held_out'
/// ('heldout'), 'eval', 'validation' or captions separated by '|'. On custom data (no world) in_distribution is the
/// dataset's validation captions and held_out does not exist.
/// </summary>
public static class EvalPromptSets
{
    /// <summary>What the in-distribution set draws from; built by the eval stage, which knows the arms' vocabularies.</summary>
    public sealed record Source(IWorld? World, string? DatasetDir, int PerTask, Func<IWorld, IReadOnlyList<EvalPrompt>> InDistribution);

    public static IReadOnlyList<EvalPromptSet> Resolve(string parameter, Source source, IStageLog log, string stage)
    {
        // auto: both sets (on custom data in_distribution alone, the validation captions).
        if (parameter.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase)) parameter = $"{EvalPromptSet.InDistribution};{EvalPromptSet.HeldOut}";
        var entries = parameter.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (entries.Length == 0)
            throw new StageException("SOAR2404", $"stage '{stage}': Prompts is empty; use in_distribution, held_out, eval, validation or captions separated by '|', several separated by ';'");
        var sets = new List<EvalPromptSet>();
        foreach (var entry in entries)
        {
            var set = ResolveOne(entry, source, log, stage);
            if (set is null) continue;
            if (sets.Any(s => s.Name == set.Name))
                throw new StageException("SOAR2404", $"stage '{stage}': Prompts names the set '{set.Name}' twice{(set.Name == EvalPromptSet.Custom ? "; put all inline captions in one entry, separated by '|'" : "")}");
            sets.Add(set);
        }
        if (sets.Count == 0)
            throw new StageException("SOAR2404", $"stage '{stage}': Prompts={parameter} gives no prompt set on custom data, which has no held-out compositions; use in_distribution or validation (the dataset's validation captions), or captions separated by '|'");
        return sets;
    }

    private static EvalPromptSet? ResolveOne(string entry, Source source, IStageLog log, string stage)
    {
        var key = entry.ToLowerInvariant();
        var world = source.World;
        switch (key)
        {
            case EvalPromptSet.InDistribution when world is not null:
                return new EvalPromptSet(EvalPromptSet.InDistribution, $"fresh captions from the '{world.Name}' training caption generator (training compositions), drawn with the eval's seed",
                    source.InDistribution(world));
            case EvalPromptSet.HeldOut or "heldout" when world is not null:
                return Fixed(EvalPromptSet.HeldOut, $"the '{world.Name}' compositions never drawn in training", FromWorld(world.HeldOutPrompts()), source, stage);
            case EvalPromptSet.Eval when world is not null:
                return Fixed(EvalPromptSet.Eval, $"the '{world.Name}' evaluation set: a single-object prompt per class plus the held-out compositions", FromWorld(world.EvalPrompts()), source, stage);
            case EvalPromptSet.HeldOut or "heldout":
                log.Info($"prompt set '{EvalPromptSet.HeldOut}' skipped: custom data has no held-out compositions");
                return null;
            case EvalPromptSet.Eval:
                throw new StageException("SOAR2404", $"stage '{stage}': Prompts={entry} exists only for a built-in world, and these models learn from custom data; use in_distribution or validation with the curate stage upstream, or captions separated by '|'");
            case EvalPromptSet.InDistribution or EvalPromptSet.Validation:
                if (source.DatasetDir is null)
                    throw new StageException("SOAR2404", $"stage '{stage}': Prompts={entry} on custom data takes the captions of a dataset's validation split; add the curate stage as an upstream, or give captions separated by '|'");
                var name = key == EvalPromptSet.Validation ? EvalPromptSet.Validation : key;
                return Fixed(name, "captions of the dataset's validation split", ValidationCaptions(source.DatasetDir).Select(c => new EvalPrompt(c, EvalPrompt.CustomFamily, null)).ToArray(), source, stage);
            default:
                var captions = entry.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToArray();
                return Fixed(EvalPromptSet.Custom, "captions given in the Prompts parameter", captions.Select(c => new EvalPrompt(c, EvalPrompt.CustomFamily, null)).ToArray(), source, stage);
        }
    }

    private static EvalPrompt[] FromWorld(IEnumerable<WorldPrompt> prompts) => prompts.Select(p => new EvalPrompt(p.Caption, p.Family, p.Spec)).ToArray();

    /// <summary>A set of fixed prompts, cut to the first PromptsPerTask of each family (0 = all).</summary>
    private static EvalPromptSet Fixed(string name, string description, IReadOnlyList<EvalPrompt> prompts, Source source, string stage)
    {
        if (source.PerTask > 0) prompts = prompts.GroupBy(p => p.Family).SelectMany(g => g.Take(source.PerTask)).ToArray();
        if (prompts.Count == 0) throw new StageException("SOAR2404", $"stage '{stage}': the prompt set '{name}' is empty");
        return new EvalPromptSet(name, description, prompts);
    }

    /// <summary>Distinct captions of the validation split (all rows when the dataset has no such split), in file order.</summary>
    public static IReadOnlyList<string> ValidationCaptions(string datasetDir)
    {
        var data = Path.Combine(datasetDir, "data");
        DatasetReader reader;
        try { reader = DatasetReader.Open(data, "validation"); }
        catch (InvalidDataException) { reader = DatasetReader.Open(data); }
        return reader.Read().Select(r => r.Caption).Distinct().ToArray();
    }
}
