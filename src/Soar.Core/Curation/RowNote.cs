namespace Soar.Core.Curation;

/// <summary>Something curation changed in a kept row: where it came from and what.</summary>
public sealed record RowNote(string Source, string Message);
