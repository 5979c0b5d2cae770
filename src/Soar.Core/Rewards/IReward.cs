using Soar.Core.Imaging;

namespace Soar.Core.Rewards;

/// <summary>A scalar score per generated image (higher is better), the signal Flow-GRPO maximises.</summary>
public interface IReward
{
    /// <summary>The name it was created from in the catalog (recorded in the checkpoint and logs).</summary>
    string Name { get; }

    /// <summary>One finite score per image; <paramref name="prompts"/>[i] is what images[i] was asked to show.</summary>
    double[] Score(IReadOnlyList<RgbImage> images, IReadOnlyList<RewardPrompt> prompts, CancellationToken cancellationToken = default);
}
