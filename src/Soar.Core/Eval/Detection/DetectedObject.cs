using Soar.Core.Worlds;

namespace Soar.Core.Eval.Detection;

/// <summary>
/// One object found in an image. <see cref="Classes"/> lists the shape class whose template fits best; more than one
/// only where the world itself draws them as the same pixels at this size (circle, diamond and cross at 4 px, on
/// canvases under 25 px), never for a blob of a size the world does not draw.
/// </summary>
public sealed record DetectedObject(IReadOnlyList<string> Classes, string Color, BoundingBox Box, int Area, double Agreement)
{
    public bool Is(string cls) => Classes.Contains(cls);

    public override string ToString() => $"{Color} {string.Join("/", Classes)} at ({Box.CenterX:0.#}, {Box.CenterY:0.#})";
}
