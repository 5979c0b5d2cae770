namespace Soar.Core.Stages.Eval;

/// <summary>
/// One prompt set of an evaluation, scored and reported on its own: its name (<see cref="InDistribution"/>,
/// <see cref="HeldOut"/>, ...), what it holds in words, and its prompts in a fixed order.
/// </summary>
public sealed record EvalPromptSet(string Name, string Description, IReadOnlyList<EvalPrompt> Prompts)
{
    /// <summary>Fresh captions from the world's training caption generator (or the dataset's validation captions).</summary>
    public const string InDistribution = "in_distribution";

    /// <summary>The world's held-out compositions, never drawn in training.</summary>
    public const string HeldOut = "held_out";

    /// <summary>The world's evaluation set: one single-object prompt per class plus the held-out prompts.</summary>
    public const string Eval = "eval";

    public const string Validation = "validation";

    /// <summary>Captions given inline, separated by '|'.</summary>
    public const string Custom = "custom";

    public IEnumerable<string> Families => Prompts.Select(p => p.Family).Distinct();
}
