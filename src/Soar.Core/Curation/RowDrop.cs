namespace Soar.Core.Curation;

/// <summary>One row curation left out: where it came from, the <see cref="DropReason"/> and the detail.</summary>
public sealed record RowDrop(string Source, string Reason, string Message);
