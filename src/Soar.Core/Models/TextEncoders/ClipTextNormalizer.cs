using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// CLIP's text clean-up before BPE, as transformers' CLIP tokenizers do it without ftfy: Unicode NFC, every run of
/// whitespace made one space, trimmed, lower-cased.
/// </summary>
public sealed partial class ClipTextNormalizer : Normalizer
{
    public static ClipTextNormalizer Instance { get; } = new();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public override string Normalize(string original) =>
        Whitespace().Replace(original.Normalize(NormalizationForm.FormC), " ").Trim().ToLowerInvariant();

    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
