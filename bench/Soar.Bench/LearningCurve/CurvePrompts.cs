using Soar.Core.Devices;
using Soar.Core.Eval.Scoring;
using Soar.Core.Models;
using Soar.Core.Sampling;
using Soar.Core.Stages.Eval;
using Soar.Core.Text;
using Soar.Core.Training;
using Soar.Core.Worlds;
using static TorchSharp.torch;

namespace Soar.Bench.LearningCurve;

/// <summary>
/// The two prompt sets of a learning curve and how they are scored: the in-distribution prompts are the ones an eval
/// stage with Seed=0 draws (<see cref="InDistributionPrompts"/>: training compositions, balanced over the tasks, from a
/// stream no training row came from); held-out prompts are the world's never-trained combinations.
/// Each prompt is drawn once (20 Euler steps, CFG 4.5, the eval stage's defaults) from the same noise at every point.
/// </summary>
public sealed class CurvePrompts
{
    public const int SamplerSteps = 20;
    public const double Cfg = 4.5;
    private const int Batch = 32;
    // An eval stage's default seed, so the curve's last point and the eval report of the same model share prompts.
    private const long EvalSeed = 0;

    public IReadOnlyList<WorldPrompt> InDistribution { get; }
    public IReadOnlyList<WorldPrompt> HeldOut { get; }
    private readonly WorldScorer _scorer;
    private readonly int _imageSize;

    private CurvePrompts(IReadOnlyList<WorldPrompt> inDistribution, IReadOnlyList<WorldPrompt> heldOut, WorldScorer scorer, int imageSize)
    {
        InDistribution = inDistribution;
        HeldOut = heldOut;
        _scorer = scorer;
        _imageSize = imageSize;
    }

    /// <param name="heldOutCount">at most this many held-out prompts, spread over the list (0: all of them).</param>
    /// <param name="encodable">Whether the candidates' tokenizer can write a caption (others are drawn again, as eval does).</param>
    public static CurvePrompts For(IWorld world, int count, int heldOutCount, Func<string, bool> encodable, int imageSize = 32)
    {
        var scorer = WorldScorer.For(world.Name) ?? throw new ArgumentException($"world '{world.Name}' has no built-in scorer");
        long stream = (long)SplitMix64.Derive(EvalSeed, InDistributionPrompts.Stream, 0);
        var (drawn, _) = InDistributionPrompts.Draw(world, count, stream, imageSize, encodable, "learning-curve");
        var inDistribution = drawn.Select(p => new WorldPrompt(p.Caption, p.Family, p.Spec!)).ToArray();
        var heldOut = world.HeldOutPrompts().Where(p => scorer.CanScore(p.Caption, p.Spec)).ToArray();
        if (heldOutCount > 0 && heldOutCount < heldOut.Length)
            heldOut = Enumerable.Range(0, heldOutCount).Select(i => heldOut[i * heldOut.Length / heldOutCount]).ToArray();
        return new CurvePrompts(inDistribution, heldOut, scorer, imageSize);
    }

    /// <summary>Samples every prompt once and scores it with the world's scorer.</summary>
    public SetScore Score(VelocityModel model, CaptionTokenizer tokenizer, IReadOnlyList<WorldPrompt> prompts, string set, Precision precision)
    {
        var values = new List<(string Family, double Value)>();
        using var empty = TrainedModel.EmptyIds(tokenizer, 1, CPU);
        for (int start = 0; start < prompts.Count; start += Batch)
        {
            var chunk = prompts.Skip(start).Take(Batch).ToArray();
            using var scope = NewDisposeScope();
            var ids = tensor(chunk.SelectMany(p => tokenizer.Encode(p.Caption).Select(i => (long)i)).ToArray()).view(chunk.Length, tokenizer.MaxTokens);
            var noise = cat(chunk.Select((_, i) => Noise(set, start + i)).ToArray(), dim: 0);
            var images = TrainingSet.ToImages(EulerSampler.Sample(model, noise, ids, empty, SamplerSteps, Cfg, precision: precision));
            for (int i = 0; i < chunk.Length; i++)
                values.Add((chunk[i].Family, _scorer.Score(images[i], chunk[i].Caption, chunk[i].Spec).Value));
        }
        var families = values.GroupBy(v => v.Family).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Average(v => v.Value));
        // GenEval's overall: the unweighted mean of the task scores (GenEvalSummary); OCR's is the mean over families too.
        return new SetScore(families.Values.Average(), families, values.Count);
    }

    private Tensor Noise(string set, long index)
    {
        using var generator = new Generator(SplitMix64.Derive(7, $"curve-noise-{set}", index), CPU);
        return randn([1, 3, _imageSize, _imageSize], generator: generator);
    }
}
