namespace Soar.Core.Worlds;

/// <summary>Prompt families: the six GenEval families plus the OCR family of the glyphs world.</summary>
public static class TaskFamily
{
    public const string SingleObject = "single_object";
    public const string TwoObject = "two_object";
    public const string Counting = "counting";
    public const string Colors = "colors";
    public const string Position = "position";
    public const string ColorAttr = "color_attr";
    public const string Text = "text";

    public static IReadOnlyList<string> GenEval { get; } = [SingleObject, TwoObject, Counting, Colors, Position, ColorAttr];
}
