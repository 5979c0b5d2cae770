using Soar.Core.Curation;
using Soar.Core.Imaging;

namespace Soar.Core.Tests.Curation;

public sealed class SquareFittingTests
{
    private static RgbImage Wide()
    {
        var image = new RgbImage(40, 20);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 40; x++)
                image[x, y] = (200, 30, 30);
        return image;
    }

    [Fact]
    public void PadKeepsTheWholeImageBetweenBlackBars()
    {
        var square = SquareFitting.Apply(Wide(), 16, SquareFit.Pad);
        Assert.Equal((16, 16), (square.Width, square.Height));
        Assert.Equal((0, 0, 0), square[8, 0]);
        Assert.Equal((0, 0, 0), square[8, 15]);
        Assert.Equal((200, 30, 30), square[0, 8]);
        Assert.Equal((200, 30, 30), square[15, 8]);
    }

    [Fact]
    public void CropFillsTheSquare()
    {
        var square = SquareFitting.Apply(Wide(), 16, SquareFit.Crop);
        Assert.Equal((200, 30, 30), square[8, 0]);
        Assert.Equal(SquareFit.Pad, SquareFitting.Parse(" PAD "));
        Assert.Contains("crop", Assert.Throws<ArgumentException>(() => SquareFitting.Parse("stretch")).Message);
    }
}
