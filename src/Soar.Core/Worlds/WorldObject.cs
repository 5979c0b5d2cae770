namespace Soar.Core.Worlds;

/// <summary>One drawn object: class, palette colour name and tight pixel box.</summary>
public sealed record WorldObject(string Class, string Color, BoundingBox Box);

/// <summary>One drawn character of a glyph string and its tight pixel box.</summary>
public sealed record GlyphBox(char Char, BoundingBox Box);
