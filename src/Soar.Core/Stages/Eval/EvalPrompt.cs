using Soar.Core.Worlds;

namespace Soar.Core.Stages.Eval;

/// <summary>A prompt of the evaluation set: caption, family (task) and, for built-in worlds, the spec a scorer checks.</summary>
public sealed record EvalPrompt(string Caption, string Family, PromptSpec? Spec)
{
    public const string CustomFamily = "custom";
}
