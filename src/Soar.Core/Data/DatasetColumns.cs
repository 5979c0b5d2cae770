namespace Soar.Core.Data;

/// <summary>Column names of the Hugging Face-layout dataset (image is struct&lt;bytes, path&gt;).</summary>
public static class DatasetColumns
{
    public const string Image = "image";
    public const string ImageBytes = "bytes";
    public const string ImagePath = "path";
    public const string Caption = "caption";
    /// <summary>Accepted instead of caption when reading (many Hugging Face datasets call it text).</summary>
    public const string Text = "text";
    public const string Task = "task";
    public const string Annotations = "annotations";
    public const string OriginalWidth = "original_width";
    public const string OriginalHeight = "original_height";
}
