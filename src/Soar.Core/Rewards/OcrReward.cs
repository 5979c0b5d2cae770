using Soar.Core.Eval.Scoring;
using Soar.Core.Imaging;

namespace Soar.Core.Rewards;

/// <summary>"ocr": the OCR score 1 - d / len(target) of the text read from each image against its prompt's quoted text.</summary>
public sealed class OcrReward : IReward
{
    public string Name => "ocr";

    public double[] Score(IReadOnlyList<RgbImage> images, IReadOnlyList<RewardPrompt> prompts, CancellationToken cancellationToken = default)
    {
        if (images.Count != prompts.Count) throw new ArgumentException($"{images.Count} images but {prompts.Count} prompts");
        var scores = new double[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try { scores[i] = OcrScorer.Score(images[i], prompts[i].Caption); }
            catch (ArgumentException e) { throw new RewardException($"reward 'ocr': {e.Message}. Use prompts of the form the text \"AB7\".", e); }
        }
        return scores;
    }
}
