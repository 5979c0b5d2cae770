using Soar.Core.Eval.Scoring;
using Soar.Core.Imaging;
using Soar.Core.Worlds;

namespace Soar.Core.Rewards;

/// <summary>
/// "geneval": the GenEval partial credit of each image for its prompt's spec (count closeness 1 - |n - N| / N,
/// colour and position credit), the dense reward Flow-GRPO trains GenEval on. Needs world prompts (with specs).
/// </summary>
public sealed class GenEvalReward : IReward
{
    public string Name => "geneval";

    public double[] Score(IReadOnlyList<RgbImage> images, IReadOnlyList<RewardPrompt> prompts, CancellationToken cancellationToken = default)
    {
        if (images.Count != prompts.Count) throw new ArgumentException($"{images.Count} images but {prompts.Count} prompts");
        var scores = new double[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var spec = prompts[i].Spec;
            if (spec is null || !TaskFamily.GenEval.Contains(spec.Family))
                throw new RewardException($"reward 'geneval' needs prompts of the shapes world (with their object spec); '{prompts[i].Caption}' has {(spec is null ? "none" : $"family '{spec.Family}'")}. Use Prompts=train on a shapes model, or another reward.");
            scores[i] = GenEvalScorer.Score(images[i], spec).PartialCredit;
        }
        return scores;
    }
}
