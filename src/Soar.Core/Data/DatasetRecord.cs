using Soar.Core.Imaging;

namespace Soar.Core.Data;

/// <summary>
/// One dataset row in the Hugging Face layout: encoded image (bytes + path), caption, and optional task family,
/// annotations JSON and original size. <see cref="Source"/> says where the row came from, for error messages.
/// </summary>
public sealed record DatasetRecord
{
    public required byte[] ImageBytes { get; init; }
    public string? ImagePath { get; init; }
    public required string Caption { get; init; }
    public string? Task { get; init; }
    /// <summary>Ground truth as JSON (world objects, text, prompt spec), or null for custom data.</summary>
    public string? Annotations { get; init; }
    public int OriginalWidth { get; init; }
    public int OriginalHeight { get; init; }
    /// <summary>"file.parquet row 12" or "metadata.jsonl line 3 (img.png)"; not stored.</summary>
    public string Source { get; init; } = "record";
    /// <summary>Why the row could not be read (missing image file, bad metadata line); set only by a reader opened
    /// with keepBrokenRows, and then <see cref="ImageBytes"/> is empty. Not stored.</summary>
    public string? Problem { get; init; }
    /// <summary>What kind of problem <see cref="Problem"/> is. Not stored.</summary>
    public RecordProblem ProblemKind { get; init; }

    /// <summary>Decodes the image (transparency onto <paramref name="background"/>, default white), with errors naming <see cref="Source"/>.</summary>
    public RgbImage DecodeImage(ImageLimits? limits = null, (byte R, byte G, byte B)? background = null) => ImageCodec.Decode(ImageBytes, Source, limits, background);
}
