using Soar.Core.Imaging;

namespace Soar.Core.Tests.Imaging;

public sealed class ImageGridTests
{
    [Fact]
    public void CellsBordersAndPaddingLandWhereExpected()
    {
        var images = Enumerable.Range(0, 3).Select(i => TestImages.Noise(4, 4, seed: i)).ToList();
        var grid = new ImageGrid { Columns = 2, Padding = 2, BorderWidth = 1 }
            .Compose(images, [ImageGrid.Pass, ImageGrid.Fail, null]);

        Assert.Equal((2 * 4 + 3 * 2, 2 * 4 + 3 * 2), (grid.Width, grid.Height));
        Assert.Equal(images[0][0, 0], grid[2, 2]);
        Assert.Equal(images[1][3, 3], grid[2 + 4 + 2 + 3, 2 + 3]);
        Assert.Equal(images[2][1, 2], grid[2 + 1, 2 + 4 + 2 + 2]);
        Assert.Equal(ImageGrid.Pass, grid[1, 1]);
        Assert.Equal(ImageGrid.Fail, grid[2 + 4 + 2 - 1, 1]);
        Assert.Equal((32, 32, 32), grid[0, 0]);
        Assert.Equal((32, 32, 32), grid[1, 2 + 4 + 2 - 1]); // third cell has no border
    }

    [Fact]
    public void SaveWritesADecodablePng()
    {
        var dir = Directory.CreateTempSubdirectory("soar-grid").FullName;
        try
        {
            var grid = new ImageGrid { Columns = 4 };
            var images = Enumerable.Range(0, 5).Select(i => TestImages.Noise(8, 8, i)).ToList();
            var path = Path.Combine(dir, "grid.png");
            grid.Save(path, images);
            Assert.Equal(grid.Compose(images).Pixels, ImageCodec.Decode(File.ReadAllBytes(path), path).Pixels);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new ImageGrid().Compose([]));
        Assert.Throws<ArgumentException>(() => new ImageGrid().Compose([new RgbImage(2, 2)], [null, null]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageGrid { Padding = 1, BorderWidth = 2 }.Compose([new RgbImage(2, 2)]));
    }
}
