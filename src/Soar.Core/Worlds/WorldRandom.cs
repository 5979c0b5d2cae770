namespace Soar.Core.Worlds;

/// <summary>
/// A small explicit PRNG (SplitMix64): identical sequences on every platform and .NET version, so a world
/// sample depends only on (seed, index).
/// </summary>
public sealed class WorldRandom
{
    private ulong _state;

    public WorldRandom(long seed) => _state = (ulong)seed;

    /// <summary>A generator for item <paramref name="index"/> of the stream <paramref name="seed"/>, independent of other items.</summary>
    public static WorldRandom For(long seed, long index) => new((long)Mix((ulong)seed * 0x9E3779B97F4A7C15UL ^ Mix((ulong)index + 0x632BE59BD9B4E019UL)));

    public ulong NextUInt64() => Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"n must be positive, got {n}");
        return (int)(NextUInt64() % (ulong)n); // bias < n / 2^64: irrelevant at these sizes
    }

    /// <summary>Uniform integer in [min, max].</summary>
    public int NextInclusive(int min, int max) => min + Next(max - min + 1);

    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
