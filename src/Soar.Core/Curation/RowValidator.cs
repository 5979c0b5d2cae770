using Soar.Core.Data;
using Soar.Core.Imaging;
using Soar.Core.Text;

namespace Soar.Core.Curation;

/// <summary>
/// Checks a row before it is used: the image must be readable and within the pixel limit, the caption present,
/// non-blank and within the model's token limit (tokens as <see cref="CaptionTokenizer.Split"/> counts them).
/// </summary>
public sealed class RowValidator(long maxPixels, int maxCaptionTokens)
{
    /// <summary>The model's 24 text positions less the [bos] token.</summary>
    public const int DefaultMaxCaptionTokens = 23;

    public long MaxPixels { get; } = maxPixels > 0 ? maxPixels : throw new ArgumentOutOfRangeException(nameof(maxPixels), $"MaxImagePixels must be positive, got {maxPixels}");
    public int MaxCaptionTokens { get; } = maxCaptionTokens > 0 ? maxCaptionTokens : throw new ArgumentOutOfRangeException(nameof(maxCaptionTokens), $"MaxCaptionTokens must be positive, got {maxCaptionTokens}");

    /// <summary>Transparent pixels are composited onto this colour.</summary>
    public (byte R, byte G, byte B) Background { get; init; } = ImageCodec.DefaultBackground;

    /// <summary>Returns the decoded image, or null with <paramref name="drop"/> saying why the row is invalid.</summary>
    public RgbImage? Validate(DatasetRecord row, out RowDrop? drop)
    {
        drop = null;
        if (row.Problem is { } problem)
        {
            drop = new RowDrop(row.Source, ReasonOf(row.ProblemKind), problem);
            return null;
        }
        if (string.IsNullOrWhiteSpace(row.Caption))
        {
            drop = new RowDrop(row.Source, DropReason.MissingCaption, $"{row.Source}: the caption is missing or empty; write one or remove the image");
            return null;
        }
        int tokens = CaptionTokenizer.Split(row.Caption).Count();
        if (tokens > MaxCaptionTokens)
        {
            drop = new RowDrop(row.Source, DropReason.CaptionTooLong, $"{row.Source}: caption has {tokens} tokens, over MaxCaptionTokens={MaxCaptionTokens}; shorten it");
            return null;
        }
        (int width, int height) size;
        try
        {
            size = ImageCodec.Identify(row.ImageBytes, row.Source);
        }
        catch (InvalidDataException e)
        {
            drop = new RowDrop(row.Source, DropReason.Unreadable, e.Message);
            return null;
        }
        if ((long)size.width * size.height > MaxPixels)
        {
            drop = new RowDrop(row.Source, DropReason.OverPixelLimit, $"{row.Source}: image is {size.width}x{size.height}, over MaxImagePixels={MaxPixels}; shrink it or raise the limit");
            return null;
        }
        try
        {
            return ImageCodec.Decode(row.ImageBytes, row.Source, new ImageLimits(MaxPixels), Background);
        }
        catch (InvalidDataException e)
        {
            drop = new RowDrop(row.Source, DropReason.Unreadable, e.Message);
            return null;
        }
    }

    private static string ReasonOf(RecordProblem kind) => kind switch
    {
        RecordProblem.NotRegularFile => DropReason.NotRegularFile,
        RecordProblem.OverByteLimit => DropReason.OverByteLimit,
        RecordProblem.OutsideSource => DropReason.OutsideSource,
        RecordProblem.CaptionTooLong => DropReason.CaptionTooLong,
        _ => DropReason.Unreadable,
    };
}
