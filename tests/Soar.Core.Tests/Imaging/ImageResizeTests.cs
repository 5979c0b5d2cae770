using Soar.Core.Imaging;

namespace Soar.Core.Tests.Imaging;

public sealed class ImageResizeTests
{
    [Fact]
    public void WideImageIsScaledToCoverThenCentreCropped()
    {
        // Three vertical bands: red | green | blue; the centre crop of a 3:1 image keeps only green.
        var image = new RgbImage(60, 20);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 60; x++)
                image[x, y] = x < 20 ? ((byte)255, (byte)0, (byte)0) : x < 40 ? ((byte)0, (byte)255, (byte)0) : ((byte)0, (byte)0, (byte)255);

        var square = ImageResize.ToSquare(image, 10);

        Assert.Equal((10, 10), (square.Width, square.Height));
        for (int y = 0; y < 10; y++)
            for (int x = 1; x < 9; x++)
                Assert.Equal((0, 255, 0), square[x, y]);
    }

    [Fact]
    public void TallImageKeepsTheMiddleRows()
    {
        var image = new RgbImage(8, 24);
        for (int x = 0; x < 8; x++) { image[x, 12] = (255, 255, 255); image[x, 0] = (255, 0, 0); }
        var square = ImageResize.ToSquare(image, 8);
        Assert.Equal((8, 8), (square.Width, square.Height));
        Assert.True(square[4, 4].R > 100 || square[4, 3].R > 100, "the middle white row survives the crop");
        Assert.True(Enumerable.Range(0, 8).All(x => !(square[x, 0].R > 200 && square[x, 0].G < 50)), "the red top row is cropped away");
    }

    [Fact]
    public void SameSizeIsACopy()
    {
        var image = TestImages.Noise(6, 6, seed: 9);
        var same = ImageResize.ToSquare(image, 6);
        Assert.Equal(image.Pixels, same.Pixels);
        Assert.NotSame(image.Pixels, same.Pixels);
    }
}
