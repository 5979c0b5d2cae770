namespace Soar.Core.Worlds;

/// <summary>A caption together with its family and the structured spec a scorer checks.</summary>
public sealed record WorldPrompt(string Caption, string Family, PromptSpec Spec);
