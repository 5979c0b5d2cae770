using Parquet.Schema;

namespace Soar.Core.Data;

/// <summary>The columns of a Parquet file that map to <see cref="DatasetRecord"/>; image and caption are required.</summary>
internal sealed record ParquetDatasetColumns(
    DataField ImageBytes, DataField? ImagePath, DataField Caption, DataField? Task, DataField? Annotations,
    DataField? OriginalWidth, DataField? OriginalHeight)
{
    public static ParquetDatasetColumns Find(ParquetSchema schema, string file)
    {
        var top = schema.Fields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        string Present() => string.Join(", ", top.Keys);

        DataField imageBytes;
        DataField? imagePath = null;
        if (!top.TryGetValue(DatasetColumns.Image, out var image))
            throw new InvalidDataException($"{file}: missing column '{DatasetColumns.Image}' (struct<bytes: binary, path: string>, as Hugging Face datasets writes it); columns present: {Present()}");
        if (image is StructField s)
        {
            imageBytes = s.Fields.OfType<DataField>().FirstOrDefault(f => f.Name == DatasetColumns.ImageBytes && IsBinary(f))
                ?? throw new InvalidDataException($"{file}: column 'image' has no binary 'bytes' field (found: {string.Join(", ", s.Fields.Select(f => $"{f.Name}: {Describe(f)}"))})");
            imagePath = s.Fields.OfType<DataField>().FirstOrDefault(f => f.Name == DatasetColumns.ImagePath && IsString(f));
        }
        else if (image is DataField { IsArray: false } d && IsBinary(d))
            imageBytes = d;
        else
            throw new InvalidDataException($"{file}: column 'image' is {image.SchemaType}, expected struct<bytes: binary, path: string> or binary");

        var caption = StringColumn(top, DatasetColumns.Caption, file) ?? StringColumn(top, DatasetColumns.Text, file)
            ?? throw new InvalidDataException($"{file}: missing column '{DatasetColumns.Caption}' (a string column; 'text' is also accepted); columns present: {Present()}");

        return new ParquetDatasetColumns(imageBytes, imagePath, caption,
            StringColumn(top, DatasetColumns.Task, file), StringColumn(top, DatasetColumns.Annotations, file),
            IntColumn(top, DatasetColumns.OriginalWidth, file), IntColumn(top, DatasetColumns.OriginalHeight, file));
    }

    private static DataField? StringColumn(Dictionary<string, Field> top, string name, string file)
    {
        if (!top.TryGetValue(name, out var f)) return null;
        return f is DataField { IsArray: false } d && IsString(d) ? d
            : throw new InvalidDataException($"{file}: column '{name}' must be a string column, found {Describe(f)}");
    }

    private static DataField? IntColumn(Dictionary<string, Field> top, string name, string file)
    {
        if (!top.TryGetValue(name, out var f)) return null;
        return f is DataField { IsArray: false } d && (d.ClrType == typeof(int) || d.ClrType == typeof(long)) ? d
            : throw new InvalidDataException($"{file}: column '{name}' must be an int32 or int64 column, found {Describe(f)}");
    }

    // Parquet.Net reports BYTE_ARRAY columns read from files as ReadOnlyMemory<byte> (binary) or ReadOnlyMemory<char> (UTF-8).
    private static bool IsBinary(DataField f) => f.ClrType == typeof(byte[]) || f.ClrType == typeof(ReadOnlyMemory<byte>);

    private static bool IsString(DataField f) => f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>);

    private static string Describe(Field f) => f is DataField d ? d.ClrType.ToString() : f.SchemaType.ToString();
}
