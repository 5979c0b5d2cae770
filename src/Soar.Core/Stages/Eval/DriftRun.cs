using Soar.Core.Eval.Scoring;
using Soar.Core.Imaging;

namespace Soar.Core.Stages.Eval;

/// <summary>
/// The drift test at one injection step for one arm: per perturbed item, the clean and perturbed final images,
/// their verdicts (null without a scorer) and the RMS distance between them in [-1, 1] pixel units.
/// </summary>
public sealed record DriftRun(int Step, double Fraction, double Sigma, IReadOnlyList<int> Items,
    IReadOnlyList<RgbImage> Clean, IReadOnlyList<RgbImage> Perturbed, IReadOnlyList<ImageVerdict?> CleanVerdicts,
    IReadOnlyList<ImageVerdict?> PerturbedVerdicts, IReadOnlyList<double> Distances)
{
    public static double RmsDistance(RgbImage a, RgbImage b)
    {
        double sum = 0;
        for (int i = 0; i < a.Pixels.Length; i++) { double d = (a.Pixels[i] - b.Pixels[i]) / 127.5; sum += d * d; }
        return Math.Sqrt(sum / a.Pixels.Length);
    }
}
