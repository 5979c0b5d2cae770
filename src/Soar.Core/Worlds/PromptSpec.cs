namespace Soar.Core.Worlds;

/// <summary>
/// What a scorer must check for a prompt (GenEval's "include" list and position clause, or the OCR text):
/// each object group must be present with its count (and colour when given); with a relation, group 0 stands in
/// <see cref="Relation"/> to group 1. Nothing else may be drawn.
/// </summary>
public sealed record PromptSpec(string Family, IReadOnlyList<ObjectSpec> Objects, string? Relation = null, string? Text = null)
{
    public static PromptSpec ForText(string text) => new(TaskFamily.Text, [], Text: text);
}

/// <summary>An object group a prompt names: class, count, and the colour when the prompt names one.</summary>
public sealed record ObjectSpec(string Class, int Count = 1, string? Color = null);
