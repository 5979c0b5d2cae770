using Soar.Core.Worlds;

namespace Soar.Core.Rewards;

/// <summary>The prompt an image answers: its caption, and the structured spec when it comes from a built-in world.</summary>
public sealed record RewardPrompt(string Caption, PromptSpec? Spec = null)
{
    public static RewardPrompt From(WorldPrompt prompt) => new(prompt.Caption, prompt.Spec);
}
