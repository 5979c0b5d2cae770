using System.Globalization;
using System.Text;

namespace Soar.Core.Curation;

/// <summary>
/// Control characters in captions: line breaks and tabs (\t \n \r \v \f, U+0085, U+2028, U+2029) are cleaned to
/// spaces; any other control character (NUL, ESC, DEL, C1 controls) or bidirectional override (U+202A-U+202E,
/// U+2066-U+2069) rejects the row, because it would reach logs, reports and the tokenizer as-is.
/// </summary>
public static class CaptionCleaning
{
    /// <summary>The caption to keep and, when it changed, what was cleaned; or null and why it is rejected.</summary>
    public static (string? Caption, string? Cleaned, string? Rejected) Clean(string caption)
    {
        int replaced = 0;
        StringBuilder? text = null;
        for (int i = 0; i < caption.Length; i++)
        {
            char c = caption[i];
            if (IsLineBreakOrTab(c))
            {
                text ??= new StringBuilder(caption, 0, i, caption.Length);
                text.Append(' ');
                replaced++;
                continue;
            }
            if (char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069')
                return (null, null, $"the caption holds the control character U+{(int)c:X4} at character {i + 1}; remove it");
            text?.Append(c);
        }
        if (text is null) return (caption, null, null);
        var cleaned = string.Join(' ', text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return (cleaned, $"caption cleaned: {replaced.ToString(CultureInfo.InvariantCulture)} line break(s) or tab(s) replaced by spaces", null);
    }

    private static bool IsLineBreakOrTab(char c) => c is '\t' or '\n' or '\r' or '\v' or '\f' or '\u0085' or '\u2028' or '\u2029';
}
