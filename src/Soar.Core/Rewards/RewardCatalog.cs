namespace Soar.Core.Rewards;

/// <summary>
/// Rewards by the name a .soarproj gives them: "geneval" (partial credit) and "ocr" from the eval scorers, "red",
/// "command:&lt;command line&gt;" for a user's own scorer, and "auto" for the world's own metric.
/// </summary>
public static class RewardCatalog
{
    public const string CommandPrefix = "command:";

    public static IReadOnlyList<string> Names { get; } = ["geneval", "ocr", "red", CommandPrefix + "<command line>"];

    /// <param name="world">the model's built-in world, which "auto" picks the reward for (null for custom data).</param>
    /// <param name="baseDirectory">the project folder: relative command paths are resolved against it.</param>
    public static IReward Create(string name, string? world, string baseDirectory, TimeSpan commandTimeout)
    {
        var trimmed = name.Trim();
        if (trimmed.Equals("auto", StringComparison.OrdinalIgnoreCase)) trimmed = ForWorld(world);
        if (trimmed.StartsWith(CommandPrefix, StringComparison.OrdinalIgnoreCase))
            return new CommandReward(trimmed[CommandPrefix.Length..].Trim(), baseDirectory, commandTimeout);
        return trimmed.ToLowerInvariant() switch
        {
            "geneval" => new GenEvalReward(),
            "ocr" => new OcrReward(),
            "red" => new RedPixelReward(),
            _ => throw new RewardException($"unknown reward '{name}'; known: auto, {string.Join(", ", Names)}"),
        };
    }

    /// <summary>The reward "auto" means for a world: the task's own metric.</summary>
    public static string ForWorld(string? world) => world?.ToLowerInvariant() switch
    {
        "shapes" => "geneval",
        "glyphs" => "ocr",
        _ => throw new RewardException($"Reward=auto has no default reward for a model trained on '{world ?? "unknown"}' data; name one: {string.Join(", ", Names)}"),
    };
}
