namespace Soar.Core.Data;

/// <summary>Why a row could not be read (set with <see cref="DatasetRecord.Problem"/>).</summary>
public enum RecordProblem
{
    /// <summary>Missing or unreadable image file, bad metadata line.</summary>
    Unreadable,
    /// <summary>A named pipe, a device, a socket or a folder where an image or caption file should be.</summary>
    NotRegularFile,
    /// <summary>A file over <see cref="DatasetReadOptions.MaxFileBytes"/>.</summary>
    OverByteLimit,
    /// <summary>A file outside the dataset folder without <see cref="DatasetReadOptions.AllowOutsideFiles"/>.</summary>
    OutsideSource,
    /// <summary>A caption over <see cref="DatasetReadOptions.MaxCaptionChars"/>.</summary>
    CaptionTooLong,
}
