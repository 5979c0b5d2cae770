using System.Text;

namespace Soar.Core.Text;

/// <summary>
/// What the subword tokenizer does to a caption first: Unicode NFKC (full-width letters, ligatures, "…"), typographic
/// quotes and dashes to their ASCII forms (so a straight apostrophe and a curly one are the same token), lower case,
/// and runs of white space to one space.
/// </summary>
public static class CaptionNormalizer
{
    public static string Normalize(string caption)
    {
        var text = caption.Normalize(NormalizationForm.FormKC);
        var result = new StringBuilder(text.Length);
        bool space = false;
        foreach (var raw in text)
        {
            char ch = raw switch
            {
                '\u2018' or '\u2019' or '\u201A' or '\u201B' or '\u2032' or '\u00B4' or '`' => '\'',
                '\u201C' or '\u201D' or '\u201E' or '\u201F' or '\u2033' or '\u00AB' or '\u00BB' => '"',
                '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2212' => '-',
                _ => char.ToLowerInvariant(raw),
            };
            if (char.IsWhiteSpace(ch)) { space = result.Length > 0; continue; }
            if (space) { result.Append(' '); space = false; }
            result.Append(ch);
        }
        return result.ToString();
    }
}
