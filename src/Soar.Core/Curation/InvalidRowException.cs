namespace Soar.Core.Curation;

/// <summary>Thrown under FailOnInvalid at the first invalid row.</summary>
public sealed class InvalidRowException(RowDrop drop) : Exception(drop.Message)
{
    public RowDrop Drop { get; } = drop;
}
