using System.Globalization;
using Soar.Core.Stages;

namespace Soar.Core.Rl;

/// <summary>
/// Watches each step's rewards for the ways an RL run goes silently wrong: a non-finite reward (stop at once),
/// every group all-equal so there is no signal (warn, skip the update, stop after <c>patience</c> such steps in a row),
/// and the mean reward falling towards zero from where it started (warn).
/// </summary>
public sealed class RewardCollapseMonitor(IStageLog log, string rewardName, int patience)
{
    private int _flatSteps;
    private double? _initialMean;

    /// <summary>True when the step carries no learning signal and its update must be skipped.</summary>
    public bool Check(int step, IReadOnlyList<double> rewards, IReadOnlyList<string> captions)
    {
        for (int i = 0; i < rewards.Count; i++)
            if (!double.IsFinite(rewards[i]))
                throw new StageException("SOAR2510", $"reward '{rewardName}' returned {rewards[i].ToString(CultureInfo.InvariantCulture)} for rollout {i} (prompt '{captions[i]}') at step {step + 1}; training stopped before the policy was updated on it. Fix the reward so it always returns a finite number.");
        double mean = rewards.Average();
        _initialMean ??= mean;
        double flat = GroupAdvantages.ZeroStdFraction(captions, rewards);
        if (flat >= 1.0)
        {
            _flatSteps++;
            log.Warning("SOAR2511", $"step {step + 1}: REWARD COLLAPSE: every prompt group got equal rewards (mean {Format(mean)}), so advantages are all zero; the update is skipped ({_flatSteps}/{patience} such steps in a row). Check the reward, raise GroupSize or NoiseLevel.");
            if (_flatSteps >= patience)
                throw new StageException("SOAR2512", $"rewards collapsed: {_flatSteps} steps in a row gave every prompt group equal rewards (last mean {Format(mean)}); training stopped. Check that reward '{rewardName}' can tell images apart, raise GroupSize or NoiseLevel, or lower LearningRate.");
            return true;
        }
        _flatSteps = 0;
        if (_initialMean > 0 && mean <= 0.05 * _initialMean)
            log.Warning("SOAR2513", $"step {step + 1}: REWARD COLLAPSE: the mean reward fell to {Format(mean)} from {Format(_initialMean.Value)} at the start; the policy is drifting away from the reward. Lower LearningRate or raise Beta.");
        return false;
    }

    private static string Format(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
