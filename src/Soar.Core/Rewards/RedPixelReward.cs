using Soar.Core.Imaging;

namespace Soar.Core.Rewards;

/// <summary>
/// "red": the share of red pixels, where red means R >= 128 and both G and B at most half of R.
/// A reward any image model can move, for tests and demos of the RL loop; it ignores the prompt.
/// </summary>
public sealed class RedPixelReward : IReward
{
    public string Name => "red";

    public double[] Score(IReadOnlyList<RgbImage> images, IReadOnlyList<RewardPrompt> prompts, CancellationToken cancellationToken = default)
    {
        var scores = new double[images.Count];
        for (int i = 0; i < images.Count; i++) scores[i] = RedShare(images[i]);
        return scores;
    }

    public static double RedShare(RgbImage image)
    {
        var p = image.Pixels;
        int red = 0;
        for (int i = 0; i < p.Length; i += 3)
            if (p[i] >= 128 && 2 * p[i + 1] <= p[i] && 2 * p[i + 2] <= p[i]) red++;
        return (double)red / (image.Width * image.Height);
    }
}
