using Soar.Core.Curation;
using Soar.Core.Data;
using Soar.Core.Imaging;

namespace Soar.Core.Tests.Curation;

public sealed class RowValidatorTests
{
    private static readonly byte[] Png = ImageCodec.EncodePng(new RgbImage(10, 4));
    private readonly RowValidator _validator = new(maxPixels: 100, maxCaptionTokens: 5);

    private static DatasetRecord Row(byte[] bytes, string caption, string? problem = null) =>
        new() { ImageBytes = bytes, Caption = caption, Source = "row 7", Problem = problem };

    private string? ReasonFor(DatasetRecord row)
    {
        var image = _validator.Validate(row, out var drop);
        Assert.Equal(image is null, drop is not null);
        if (drop is not null) Assert.Contains("row 7", drop.Source + drop.Message);
        return drop?.Reason;
    }

    [Fact]
    public void GoodRowDecodes()
    {
        var image = _validator.Validate(Row(Png, "a red circle"), out var drop);
        Assert.Null(drop);
        Assert.Equal((10, 4), (image!.Width, image.Height));
    }

    [Fact]
    public void EachInvalidRowGetsItsReason()
    {
        Assert.Equal(DropReason.Unreadable, ReasonFor(Row("not an image"u8.ToArray(), "x")));
        Assert.Equal(DropReason.Unreadable, ReasonFor(Row(Png[..(Png.Length / 2)], "x")));
        Assert.Equal(DropReason.Unreadable, ReasonFor(Row([], "x", problem: "row 7: image file 'gone.png' not found")));
        Assert.Equal(DropReason.OverPixelLimit, ReasonFor(Row(ImageCodec.EncodePng(new RgbImage(11, 10)), "x")));
        Assert.Equal(DropReason.MissingCaption, ReasonFor(Row(Png, "")));
        Assert.Equal(DropReason.MissingCaption, ReasonFor(Row(Png, "  \t")));
        Assert.Equal(DropReason.CaptionTooLong, ReasonFor(Row(Png, "one two three four five six")));
        Assert.Null(ReasonFor(Row(Png, "one two three four five")));
    }

    [Fact]
    public void DefaultTokenLimitLeavesRoomForBos() => Assert.Equal(23, RowValidator.DefaultMaxCaptionTokens);
}
