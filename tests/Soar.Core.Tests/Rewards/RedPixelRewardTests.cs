using Soar.Core.Imaging;
using Soar.Core.Rewards;

namespace Soar.Core.Tests.Rewards;

public class RedPixelRewardTests
{
    [Fact]
    public void Counts_the_share_of_pixels_that_are_clearly_red()
    {
        var image = new RgbImage(4, 1);
        image[0, 0] = (255, 0, 0);      // red
        image[1, 0] = (128, 64, 64);    // red at the thresholds
        image[2, 0] = (127, 0, 0);      // too dark
        image[3, 0] = (200, 101, 0);    // green above half of red: orange, not red
        Assert.Equal(0.5, RedPixelReward.RedShare(image));
        Assert.Equal(new[] { 0.5, 0.0 }, new RedPixelReward().Score([image, new RgbImage(2, 2)], [new("x"), new("y")]));
    }
}
