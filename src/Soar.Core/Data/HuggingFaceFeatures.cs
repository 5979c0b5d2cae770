namespace Soar.Core.Data;

/// <summary>
/// The Parquet schema metadata that Hugging Face `datasets` writes under the key "huggingface":
/// {"info": {"features": {...}}}, serialised as Python's json.dumps does (", " and ": " separators).
/// </summary>
public static class HuggingFaceFeatures
{
    public const string MetadataKey = "huggingface";

    /// <summary>Features of a dataset written by <see cref="ParquetDatasetWriter"/>, in column order.</summary>
    public static string DatasetMetadata { get; } = Build(
        ("image", Image()),
        (DatasetColumns.Caption, Value("string")),
        (DatasetColumns.Task, Value("string")),
        (DatasetColumns.Annotations, Value("string")),
        (DatasetColumns.OriginalWidth, Value("int32")),
        (DatasetColumns.OriginalHeight, Value("int32")));

    // datasets drops dataclass fields left at their defaults, so Image() is only its _type and Value keeps dtype.
    public static string Image() => "{\"_type\": \"Image\"}";

    public static string Value(string dtype) => $"{{\"dtype\": \"{dtype}\", \"_type\": \"Value\"}}";

    public static string Build(params (string Name, string Feature)[] features) =>
        "{\"info\": {\"features\": {" + string.Join(", ", features.Select(f => $"\"{f.Name}\": {f.Feature}")) + "}}}";
}
