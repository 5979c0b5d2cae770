using System.Text.Json;
using System.Text.Json.Serialization;

namespace Soar.Core.Worlds;

/// <summary>Ground truth of a rendered sample, stored as JSON in the dataset's annotations column.</summary>
public sealed record WorldAnnotations
{
    public required string World { get; init; }
    public required PromptSpec Spec { get; init; }
    public IReadOnlyList<WorldObject> Objects { get; init; } = [];
    public string? Text { get; init; }
    public string? TextColor { get; init; }
    public IReadOnlyList<GlyphBox> Chars { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static WorldAnnotations FromJson(string json) =>
        JsonSerializer.Deserialize<WorldAnnotations>(json, Json) ?? throw new InvalidDataException("annotations JSON is null");
}
