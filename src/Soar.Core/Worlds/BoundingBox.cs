using System.Text.Json;
using System.Text.Json.Serialization;

namespace Soar.Core.Worlds;

/// <summary>A pixel box, half-open: x0 &lt;= x &lt; x1, y0 &lt;= y &lt; y1. JSON: [x0, y0, x1, y1].</summary>
[JsonConverter(typeof(BoundingBoxJsonConverter))]
public readonly record struct BoundingBox(int X0, int Y0, int X1, int Y1)
{
    public int Width => X1 - X0;
    public int Height => Y1 - Y0;
    public double CenterX => (X0 + X1) / 2.0;
    public double CenterY => (Y0 + Y1) / 2.0;

    public bool Contains(int x, int y) => x >= X0 && x < X1 && y >= Y0 && y < Y1;

    /// <summary>True when the boxes, each grown by <paramref name="gap"/> pixels, overlap.</summary>
    public bool Touches(BoundingBox other, int gap) =>
        X0 - gap < other.X1 && other.X0 - gap < X1 && Y0 - gap < other.Y1 && other.Y0 - gap < Y1;
}

internal sealed class BoundingBoxJsonConverter : JsonConverter<BoundingBox>
{
    public override BoundingBox Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var v = JsonSerializer.Deserialize<int[]>(ref reader, options);
        if (v is not { Length: 4 }) throw new JsonException("a box is [x0, y0, x1, y1]");
        return new BoundingBox(v[0], v[1], v[2], v[3]);
    }

    public override void Write(Utf8JsonWriter writer, BoundingBox value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.X0);
        writer.WriteNumberValue(value.Y0);
        writer.WriteNumberValue(value.X1);
        writer.WriteNumberValue(value.Y1);
        writer.WriteEndArray();
    }
}
