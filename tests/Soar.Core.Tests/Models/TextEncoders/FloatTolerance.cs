namespace Soar.Core.Tests.Models.TextEncoders;

/// <summary>Compares floats to within an absolute tolerance (expected values computed by hand to six decimals).</summary>
internal sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
{
    public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
    public int GetHashCode(float obj) => 0;
}
