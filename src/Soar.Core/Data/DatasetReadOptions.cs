namespace Soar.Core.Data;

/// <summary>How a <see cref="DatasetReader"/> treats user data it cannot trust.</summary>
public sealed record DatasetReadOptions
{
    public const long DefaultMaxFileBytes = 64L * 1024 * 1024;
    public const int DefaultMaxCaptionChars = 10_000;

    public static DatasetReadOptions Default { get; } = new();

    /// <summary>When true, a row whose image file or caption cannot be used is yielded with
    /// <see cref="DatasetRecord.Problem"/> instead of stopping the read; curation reports such rows one by one.</summary>
    public bool KeepBrokenRows { get; init; }
    /// <summary>Image and caption files larger than this are refused before they are read.</summary>
    public long MaxFileBytes { get; init; } = DefaultMaxFileBytes;
    /// <summary>Captions longer than this (characters) are refused as they are read.</summary>
    public int MaxCaptionChars { get; init; } = DefaultMaxCaptionChars;
    /// <summary>Whether a row may name a file outside the dataset folder (`../x.png`, a symbolic link pointing out).</summary>
    public bool AllowOutsideFiles { get; init; }
    /// <summary>Files are named relative to this folder in row sources and errors (e.g. the project folder, so
    /// reports do not depend on where the project is checked out); null: full paths.</summary>
    public string? NamesRelativeTo { get; init; }
}
