namespace Soar.Core.Data;

/// <summary>What a <see cref="DatasetReader"/> was opened on.</summary>
public enum DatasetSourceKind
{
    ParquetFile,
    ParquetShards,
    ImageFolder,
}
