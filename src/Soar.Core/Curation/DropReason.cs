namespace Soar.Core.Curation;

/// <summary>Why curation left a row out; the names are the keys of curation-report.json's "dropped" counts.</summary>
public static class DropReason
{
    public const string Unreadable = "unreadable";
    public const string OverPixelLimit = "over_pixel_limit";
    public const string MissingCaption = "missing_caption";
    public const string CaptionTooLong = "caption_too_long";
    public const string ControlCharacters = "control_characters";
    public const string NotRegularFile = "not_regular_file";
    public const string OverByteLimit = "over_byte_limit";
    public const string OutsideSource = "outside_source";
    public const string ExactDuplicate = "exact_duplicate";
    public const string NearDuplicate = "near_duplicate";
    public const string CaptionFilter = "caption_filter";
    public const string ImageFilter = "image_filter";
    public const string ScoreFilter = "score_filter";

    /// <summary>The reasons that make a row invalid (fatal under FailOnInvalid); the others are curation choices.</summary>
    public static readonly IReadOnlySet<string> Invalid = new HashSet<string> 
    {
        Unreadable, OverPixelLimit, MissingCaption, CaptionTooLong, ControlCharacters, NotRegularFile, OverByteLimit, OutsideSource,
    };
}
