namespace Soar.Core.Curation;

/// <summary>An image smaller than the square Fit=center cuts out of it (the stage stops: every image must reach the model's size).</summary>
public sealed class ImageTooSmallException(string source, int width, int height, int side)
    : Exception($"{source}: image is {width}x{height}, smaller than ImageSize={side} after Fit=center (a centre crop without scaling)")
{
    public string Row { get; } = source;
}
