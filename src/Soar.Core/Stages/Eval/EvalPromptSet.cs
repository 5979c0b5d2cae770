using Soar.Core.Data;
using Soar.Core.Worlds;

namespace Soar.Core.Stages.Eval;

/// <summary>Resolves the Prompts parameter: the world's eval or held-out set, the dataset's validation captions, or captions given inline.</summary>
public static class EvalPromptSet
{
    public static IReadOnlyList<EvalPrompt> Resolve(string parameter, IWorld? world, string? datasetDir, int perTask, string stage)
    {
        IReadOnlyList<EvalPrompt> prompts;
        var key = parameter.Trim().ToLowerInvariant();
        // auto: the world's evaluation set, or on custom data the dataset's validation captions (as the sample stage does).
        if (key == "auto") key = world is not null ? "eval" : "validation";
        if ((key == "eval" || key == "heldout") && world is not null)
            prompts = (key == "eval" ? world.EvalPrompts() : world.HeldOutPrompts()).Select(p => new EvalPrompt(p.Caption, p.Family, p.Spec)).ToArray();
        else if (key is "eval" or "heldout")
            throw new StageException("SOAR2404", $"stage '{stage}': Prompts={parameter} exists only for a built-in world, and these models learn from custom data; use Prompts=auto or validation with the curate stage upstream, or captions separated by '|'");
        else if (key == "validation")
        {
            if (datasetDir is null)
                throw new StageException("SOAR2404", $"stage '{stage}': Prompts={parameter} on custom data takes the captions of a dataset's validation split; add the curate stage as an upstream, or give captions separated by '|'");
            prompts = ValidationCaptions(datasetDir).Select(c => new EvalPrompt(c, EvalPrompt.CustomFamily, null)).ToArray();
        }
        else
        {
            var captions = parameter.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (captions.Length == 0) throw new StageException("SOAR2404", $"stage '{stage}': Prompts is empty; use eval, heldout, validation or captions separated by '|'");
            prompts = captions.Distinct().Select(c => new EvalPrompt(c, EvalPrompt.CustomFamily, null)).ToArray();
        }
        if (perTask > 0) prompts = prompts.GroupBy(p => p.Family).SelectMany(g => g.Take(perTask)).ToArray();
        if (prompts.Count == 0) throw new StageException("SOAR2404", $"stage '{stage}': the prompt set '{parameter}' is empty");
        return prompts;
    }

    /// <summary>Which prompts <see cref="Resolve"/> takes for <paramref name="parameter"/>, in words for the log.</summary>
    public static string Describe(string parameter, IWorld? world, string? datasetName)
    {
        var key = parameter.Trim().ToLowerInvariant();
        if (key == "auto") key = world is not null ? "eval" : "validation";
        return key switch
        {
            "eval" => $"the '{world?.Name}' evaluation set (Prompts={parameter})",
            "heldout" => $"the '{world?.Name}' held-out set (Prompts={parameter})",
            "validation" => $"the validation captions of dataset '{datasetName}' (Prompts={parameter})",
            _ => "the captions given in Prompts",
        };
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
