using System.Text.RegularExpressions;

namespace Soar.Core.Curation;

/// <summary>Caption filter: keep captions that match <c>include</c> (when given), do not match <c>exclude</c>
/// (when given) and whose length in characters lies in [minLength, maxLength] (0 = no bound).</summary>
public sealed class CaptionRules
{
    private readonly Regex? _include;
    private readonly Regex? _exclude;
    private readonly int _minLength;
    private readonly int _maxLength;

    public CaptionRules(string include, string exclude, int minLength, int maxLength)
    {
        _include = Compile(include, "CaptionInclude");
        _exclude = Compile(exclude, "CaptionExclude");
        if (minLength < 0 || maxLength < 0 || (maxLength > 0 && maxLength < minLength))
            throw new ArgumentException($"MinCaptionLength={minLength} and MaxCaptionLength={maxLength} must be >= 0 with Max >= Min (0 = no bound)");
        _minLength = minLength;
        _maxLength = maxLength;
    }

    /// <summary>Null when the caption passes, else the rule it breaks.</summary>
    public string? Reject(string caption)
    {
        if (_include is not null && !_include.IsMatch(caption)) return $"caption does not match CaptionInclude /{_include}/";
        if (_exclude is not null && _exclude.IsMatch(caption)) return $"caption matches CaptionExclude /{_exclude}/";
        if (caption.Length < _minLength) return $"caption has {caption.Length} characters, under MinCaptionLength={_minLength}";
        if (_maxLength > 0 && caption.Length > _maxLength) return $"caption has {caption.Length} characters, over MaxCaptionLength={_maxLength}";
        return null;
    }

    private static Regex? Compile(string pattern, string parameter)
    {
        if (string.IsNullOrEmpty(pattern)) return null;
        try
        {
            // A time limit keeps a catastrophic pattern from hanging the build.
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{parameter} '{pattern}' is not a valid .NET regular expression ({e.Message})", e);
        }
    }
}
