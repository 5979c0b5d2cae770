using Soar.Core.Imaging;

namespace Soar.Core.Worlds;

/// <summary>
/// A built-in synthetic data source: deterministic captioned images with exact ground truth, plus a held-out
/// prompt set whose combinations never occur in its training samples.
/// </summary>
public interface IWorld
{
    string Name { get; }

    /// <summary>Training sample <paramref name="index"/> of stream <paramref name="seed"/>; depends on nothing else.</summary>
    WorldSample Generate(long seed, int index, int imageSize);

    /// <summary>Training samples 0..count-1 of stream <paramref name="seed"/>.</summary>
    IEnumerable<WorldSample> Sample(long seed, int count, int imageSize);

    /// <summary>Prompts whose combinations (colour-class, class pair, relation, count, string) never occur in training.</summary>
    IReadOnlyList<WorldPrompt> HeldOutPrompts();

    /// <summary>The evaluation prompt set: every family of the world, with held-out prompts wherever a family allows novelty.</summary>
    IReadOnlyList<WorldPrompt> EvalPrompts();

    /// <summary>Renders a ground-truth image for any valid prompt of this world (held-out included).</summary>
    WorldSample Render(WorldPrompt prompt, long seed, int imageSize);
}
