using Soar.Core.Worlds;

namespace Soar.Core.Eval.Detection;

/// <summary>
/// One object found in an image. <see cref="Classes"/> lists every shape class whose template fits best (more than
/// one only when the classes draw identical pixels at this size, e.g. circle, diamond and cross at 4 px).
/// </summary>
public sealed record DetectedObject(IReadOnlyList<string> Classes, string Color, BoundingBox Box, int Area, double Agreement)
{
    public bool Is(string cls) => Classes.Contains(cls);

    public override string ToString() => $"{Color} {string.Join("/", Classes)} at ({Box.CenterX:0.#}, {Box.CenterY:0.#})";
}
