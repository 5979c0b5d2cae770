namespace Soar.Core.Training;

/// <summary>
/// Small counter-based PRNG (SplitMix64). Seeds derived with <see cref="Derive"/> make every step's
/// randomness a pure function of (seed, step), so a resumed run draws exactly what an unbroken run would.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) without modulo bias worth caring about at these sizes (n &lt; 2^32).</summary>
    public int NextInt(int n) => (int)((NextUInt64() >> 32) * (ulong)n >> 32);

    /// <summary>A seed for a named sub-stream: Derive(seed, "noise", step) is stable across runs and machines.</summary>
    public static ulong Derive(long seed, string stream, long index)
    {
        var mix = new SplitMix64((ulong)seed ^ 0x5851F42D4C957F2DUL);
        ulong h = mix.NextUInt64();
        foreach (char ch in stream) h = (h ^ ch) * 0x100000001B3UL;
        var final = new SplitMix64(h ^ (ulong)index * 0x9E3779B97F4A7C15UL);
        final.NextUInt64();
        return final.NextUInt64();
    }
}
