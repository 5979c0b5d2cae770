using Parquet.Schema;

namespace Soar.Core.Data;

/// <summary>The Parquet schema of a Hugging Face-layout dataset as this project writes it.</summary>
public static class DatasetSchema
{
    public static DataField ImageBytes { get; } = new DataField<byte[]>(DatasetColumns.ImageBytes);
    public static DataField ImagePath { get; } = new DataField<string>(DatasetColumns.ImagePath);
    public static DataField Caption { get; } = new DataField<string>(DatasetColumns.Caption);
    public static DataField Task { get; } = new DataField<string>(DatasetColumns.Task);
    public static DataField Annotations { get; } = new DataField<string>(DatasetColumns.Annotations);
    public static DataField OriginalWidth { get; } = new DataField<int?>(DatasetColumns.OriginalWidth);
    public static DataField OriginalHeight { get; } = new DataField<int?>(DatasetColumns.OriginalHeight);

    // Nullable like every Arrow field Hugging Face datasets writes (OPTIONAL in Parquet).
    public static ParquetSchema Schema { get; } = new(
        new StructField(DatasetColumns.Image, ImageBytes, ImagePath),
        Caption, Task, Annotations, OriginalWidth, OriginalHeight);
}
