namespace Soar.Core.Curation;

/// <summary>How an image becomes a square of the stage resolution: cover and crop the centre, or fit whole and pad
/// with black (keeps every pixel of wide or tall images, at the cost of bars).</summary>
public enum SquareFit
{
    Crop,
    Pad,
}
