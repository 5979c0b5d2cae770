namespace Soar.Core.Data;

/// <summary>What a <see cref="DatasetReader"/> was opened on.</summary>
public enum DatasetSourceKind
{
    ParquetFile,
    ParquetShards,
    ImageFolder,
    /// <summary>Images plus captions.csv (file_name and caption or text columns).</summary>
    CaptionsCsv,
    /// <summary>Image files each with a same-name .txt caption (the kohya / ai-toolkit convention).</summary>
    CaptionedImages,
}
