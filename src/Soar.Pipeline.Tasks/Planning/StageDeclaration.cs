namespace Soar.Pipeline.Tasks;

/// <summary>
/// One &lt;Stage&gt; item as the project wrote it, with where it was written. <see cref="BlankMetadata"/> names the
/// metadata the author wrote whose value is empty or whitespace (e.g. Source="$(Unset)"): an error, never a default.
/// </summary>
public sealed record StageDeclaration(
    string Name,
    string Kind,
    IReadOnlyList<string> Upstream,
    IReadOnlyDictionary<string, string> Parameters,
    string File,
    int Line,
    IReadOnlyList<string>? BlankMetadata = null)
{
    /// <summary>Item metadata with a meaning of their own (what runs, what it reads, what its Slurm job asks for); every other custom metadata is a parameter.</summary>
    public static readonly IReadOnlyCollection<string> ReservedMetadata = ["Kind", "Upstream", .. SlurmResources.StageMetadata];

    public static IReadOnlyList<string> SplitUpstream(string? upstream) =>
        (upstream ?? "").Split(';').Select(u => u.Trim()).Where(u => u.Length > 0).ToList();
}
