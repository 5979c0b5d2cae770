using Soar.Core.Curation;
using Soar.Core.Imaging;

namespace Soar.Core.Tests.Curation;

public sealed class DeduplicatorTests
{
    private static RgbImage Gradient(int width, int height, int phase)
    {
        var image = new RgbImage(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte v = (byte)((x * 255 / width + phase * y) % 256);
                image[x, y] = (v, (byte)(255 - v), (byte)(y * 255 / height));
            }
        return image;
    }

    [Fact]
    public void ExactDuplicateIsTheSamePictureHoweverEncoded()
    {
        var a = Gradient(32, 32, 3);
        var again = ImageCodec.Decode(ImageCodec.EncodePng(a), "copy");
        var dedupe = new Deduplicator(nearDistance: -1);
        Assert.Null(dedupe.Check(ImageFingerprint.Of(a), "a"));
        var drop = dedupe.Check(ImageFingerprint.Of(again), "copy");
        Assert.Equal(DropReason.ExactDuplicate, drop!.Reason);
        Assert.Equal(["copy"], dedupe.Groups["a"]);
    }

    [Fact]
    public void NearDuplicateIsCaughtOnlyWhenAskedFor()
    {
        var a = Gradient(32, 32, 3);
        var touched = new RgbImage(32, 32, (byte[])a.Pixels.Clone());
        touched[5, 5] = (0, 0, 0);
        var other = Gradient(32, 32, 40);
        Assert.InRange(ImageFingerprint.Distance(ImageFingerprint.Of(a).Perceptual, ImageFingerprint.Of(touched).Perceptual), 0, 2);
        Assert.True(ImageFingerprint.Distance(ImageFingerprint.Of(a).Perceptual, ImageFingerprint.Of(other).Perceptual) > 8);

        var exactOnly = new Deduplicator(-1);
        Assert.Null(exactOnly.Check(ImageFingerprint.Of(a), "a"));
        Assert.Null(exactOnly.Check(ImageFingerprint.Of(touched), "touched"));

        var near = new Deduplicator(4);
        Assert.Null(near.Check(ImageFingerprint.Of(a), "a"));
        Assert.Equal(DropReason.NearDuplicate, near.Check(ImageFingerprint.Of(touched), "touched")!.Reason);
        Assert.Null(near.Check(ImageFingerprint.Of(other), "other"));
        Assert.Equal(["touched"], near.Groups["a"]);
    }

    [Fact]
    public void DifferenceHashSurvivesResizing()
    {
        var big = Gradient(64, 48, 3);
        var small = ImageResize.ToSquare(big, 32);
        var bigSquare = ImageResize.ToSquare(big, 48);
        Assert.InRange(ImageFingerprint.Distance(ImageFingerprint.DifferenceHash(small), ImageFingerprint.DifferenceHash(bigSquare)), 0, 4);
    }
}
