namespace Soar.Core.Worlds;

/// <summary>
/// The position family's relations. A relation holds when the centres are apart along its axis by at least
/// <see cref="MinSeparation"/> of the canvas and the offset across the axis is at most the offset along it.
/// </summary>
public static class SpatialRelation
{
    public const string LeftOf = "left of";
    public const string RightOf = "right of";
    public const string Above = "above";
    public const string Below = "below";

    public static IReadOnlyList<string> All { get; } = [LeftOf, RightOf, Above, Below];

    /// <summary>Share of the canvas side the centres must be apart (what a scorer checks).</summary>
    public const double MinSeparation = 0.125;

    /// <summary>Whether box <paramref name="a"/> stands in <paramref name="relation"/> to box <paramref name="b"/>.</summary>
    public static bool Holds(string relation, BoundingBox a, BoundingBox b, int canvas) =>
        Holds(relation, a.CenterX, a.CenterY, b.CenterX, b.CenterY, canvas * MinSeparation);

    public static bool Holds(string relation, double ax, double ay, double bx, double by, double minSeparation)
    {
        var (along, across) = relation switch
        {
            LeftOf => (bx - ax, by - ay),
            RightOf => (ax - bx, by - ay),
            Above => (by - ay, bx - ax),
            Below => (ay - by, bx - ax),
            _ => throw new ArgumentException($"unknown relation '{relation}'; known: {string.Join(", ", All)}", nameof(relation)),
        };
        return along >= minSeparation && Math.Abs(across) <= along;
    }
}
