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
    public void ScaleRepeatsEachPixelAndLabelsAreDrawnUnderTheCells()
    {
        var images = Enumerable.Range(0, 2).Select(i => TestImages.Noise(4, 4, seed: i)).ToList();
        var grid = new ImageGrid { Columns = 2, Padding = 2, BorderWidth = 0, Scale = 3, LabelLines = 1 }.Compose(images, labels: ["A1", "B"]);
        int labelHeight = Soar.Core.Imaging.CaptionLabel.LineHeight + 2;
        Assert.Equal((2 * 12 + 3 * 2, 12 + labelHeight + 2 * 2), (grid.Width, grid.Height));
        // Pixel (1, 2) of the first image covers grid pixels x 2+3..2+5, y 2+6..2+8.
        for (int dy = 0; dy < 3; dy++)
            for (int dx = 0; dx < 3; dx++)
                Assert.Equal(images[0][1, 2], grid[2 + 3 + dx, 2 + 6 + dy]);
        // 'A' of the 5x7 font: top row .###. , drawn 2 px under the 12 px image.
        int top = 2 + 12 + 2;
        Assert.Equal((32, 32, 32), grid[2, top]);
        Assert.Equal((230, 230, 230), grid[3, top]);
        // '1' sits one 6-pixel advance to the right.
        Assert.Contains(Enumerable.Range(0, 5), x => grid[2 + 6 + x, top] == (230, 230, 230));
    }

    [Fact]
    public void LabelsWrapAtTheCellWidthAndKeepOnlyTheirLines()
    {
        // 32 px hold 5 characters (6 px each, the last needs no spacing).
        Assert.Equal(["A RED", "CIRCL", "E"], Soar.Core.Imaging.CaptionLabel.Wrap("a red circle", 32, 3));
        Assert.Equal(["TWO", "BLUE"], Soar.Core.Imaging.CaptionLabel.Wrap("two  blue squares", 32, 2));
        Assert.Equal(4, ImageGrid.ReadableScale(32));
        Assert.Equal(1, ImageGrid.ReadableScale(256));
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
