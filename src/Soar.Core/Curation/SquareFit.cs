namespace Soar.Core.Curation;

/// <summary>How an image becomes a square of the stage resolution: cover and crop the centre, fit whole and pad
/// with black (keeps every pixel of wide or tall images, at the cost of bars), or cut the centre square out at the
/// image's own scale (no resampling; an image smaller than the square is an error).</summary>
public enum SquareFit
{
    Crop,
    Pad,
    Center,
}
