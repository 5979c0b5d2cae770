namespace Soar.Core.Curation;

/// <summary>Image filter on the original size: the shorter side at least <c>minSide</c> pixels and the long/short
/// ratio at most <c>maxAspectRatio</c> (0 = no bound).</summary>
public sealed class ImageRules
{
    private readonly int _minSide;
    private readonly double _maxAspectRatio;

    public ImageRules(int minSide, double maxAspectRatio)
    {
        if (minSide < 0) throw new ArgumentException($"MinImageSide must be >= 0, got {minSide}");
        if (maxAspectRatio != 0 && maxAspectRatio < 1) throw new ArgumentException($"MaxAspectRatio must be 0 (no bound) or >= 1 (long side / short side), got {maxAspectRatio}");
        _minSide = minSide;
        _maxAspectRatio = maxAspectRatio;
    }

    /// <summary>Null when the size passes, else the rule it breaks.</summary>
    public string? Reject(int width, int height)
    {
        int shortSide = Math.Min(width, height), longSide = Math.Max(width, height);
        if (shortSide < _minSide) return $"image is {width}x{height}, its shorter side is under MinImageSide={_minSide}";
        double aspect = (double)longSide / shortSide;
        if (_maxAspectRatio > 0 && aspect > _maxAspectRatio) return $"image is {width}x{height}, aspect ratio {aspect:0.##} over MaxAspectRatio={_maxAspectRatio}";
        return null;
    }
}
