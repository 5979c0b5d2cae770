using Soar.Core.Worlds;

namespace Soar.Core.Stages.Eval;

/// <summary>
/// Draws the in-distribution prompt set: captions from the world's own training generator (<see cref="IWorld.Generate"/>,
/// training compositions only) on a stream of the eval's seed that no training stage draws from, split evenly over the
/// world's task families so every task gets the same number of prompts.
/// </summary>
public static class InDistributionPrompts
{
    /// <summary>The SplitMix64 stream name of the draws (recorded in the stage manifest's seeds).</summary>
    public const string Stream = "eval-in-distribution";

    // A family the generator draws about 1 time in 6 fills its share within a few times 6x draws; 1000x means it never will.
    private const int MaxDrawsPerPrompt = 1000;

    /// <param name="stream">World seed of the draws (derived from the eval's Seed).</param>
    /// <param name="encodable">Whether every arm's vocabulary can write a caption; others are redrawn.</param>
    public static (IReadOnlyList<EvalPrompt> Prompts, int Unwritable) Draw(IWorld world, int count, long stream, int imageSize,
        Func<string, bool> encodable, string stage)
    {
        var families = world.EvalPrompts().Select(p => p.Family).Distinct().ToList();
        // Quotas differ by at most one, the first families taking the remainder.
        var quota = families.Select((_, i) => count / families.Count + (i < count % families.Count ? 1 : 0)).ToArray();
        var drawn = families.Select(_ => new List<EvalPrompt>()).ToArray();
        int remaining = count, unwritable = 0;
        long maxDraws = (long)MaxDrawsPerPrompt * count;
        for (long index = 0; remaining > 0; index++)
        {
            if (index == maxDraws)
            {
                var missing = families.Select((f, i) => (f, i)).Where(t => drawn[t.i].Count < quota[t.i]).Select(t => $"{t.f} ({drawn[t.i].Count} of {quota[t.i]})");
                throw new StageException("SOAR2404", $"stage '{stage}': {maxDraws} draws from the '{world.Name}' training captions gave too few in-distribution prompts the models' vocabularies can write: {string.Join(", ", missing)}; lower InDistributionPrompts or train on more data");
            }
            var prompt = world.Generate(stream, checked((int)index), imageSize).Prompt;
            int f = families.IndexOf(prompt.Family);
            if (f < 0 || drawn[f].Count == quota[f]) continue;
            if (!encodable(prompt.Caption)) { unwritable++; continue; }
            drawn[f].Add(new EvalPrompt(prompt.Caption, prompt.Family, prompt.Spec));
            remaining--;
        }
        return (drawn.SelectMany(d => d).ToArray(), unwritable);
    }
}
