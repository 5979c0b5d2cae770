namespace Soar.Core.Models.TextEncoders;

/// <summary>One prompt's token ids as an encoder gets them (special tokens added, padded to the length), and whether text was cut.</summary>
public sealed record TokenizedPrompt(int[] Ids, bool Truncated);
