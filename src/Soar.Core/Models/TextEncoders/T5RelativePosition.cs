using static TorchSharp.torch;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// T5's bucketed relative positions, bidirectional (the encoder): for relative position r = key - query, half the
/// buckets are for r &gt; 0; within a half, |r| below max_exact = buckets / 4 is its own bucket, larger |r| fall into
/// logarithmically wider buckets up to max_distance, and everything beyond shares the last one.
/// </summary>
public static class T5RelativePosition
{
    /// <summary>The bucket of one relative position (the formula, for reading and for tests).</summary>
    public static int Bucket(int relativePosition, int numBuckets, int maxDistance)
    {
        int half = numBuckets / 2, bucket = relativePosition > 0 ? half : 0;
        int n = Math.Abs(relativePosition), maxExact = half / 2;
        if (n < maxExact) return bucket + n;
        // Truncated toward zero as torch's .long() does; n >= maxExact >= 1, so the log is non-negative.
        int large = maxExact + (int)(Math.Log((double)n / maxExact) / Math.Log((double)maxDistance / maxExact) * (half - maxExact));
        return bucket + Math.Min(large, half - 1);
    }

    /// <summary>[query, key] int64 buckets of key - query for positions 0..length-1.</summary>
    public static Tensor Buckets(long queryLength, long keyLength, int numBuckets, int maxDistance, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var relative = arange(keyLength, dtype: ScalarType.Int64, device: device).unsqueeze(0) - arange(queryLength, dtype: ScalarType.Int64, device: device).unsqueeze(1);
        long half = numBuckets / 2, maxExact = half / 2;
        var bucket = relative.gt(0).to(ScalarType.Int64) * half;
        var n = relative.abs();
        var large = maxExact + (log(n.to(ScalarType.Float32) / maxExact) / Math.Log((double)maxDistance / maxExact) * (half - maxExact)).to(ScalarType.Int64);
        large = minimum(large, full_like(large, half - 1));
        return (bucket + where(n.lt(maxExact), n, large)).MoveToOuterDisposeScope();
    }
}
