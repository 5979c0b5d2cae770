namespace Soar.Core.Packaging.Bases;

/// <summary>
/// Where a consumer finds a package's base: the feeds to restore a base package from (the package's own feed first),
/// the package cache, the diffusers pipeline folder the user points to (PackagePipeline, &lt;BaseModel Pipeline&gt;,
/// --pipeline; null when none), and the project whose soar.packages.lock.json locks a restored base.
/// </summary>
public sealed record BaseLookup(IReadOnlyList<ModelFeed> Feeds, string CacheRoot, string? PipelineDir, string? ProjectDir, Action<string> Log)
{
    /// <summary>How the user names the folder, for errors.</summary>
    public string PipelineHint { get; init; } = "Pipeline=\"<folder>\" on the <BaseModel> (PackagePipeline on the stage, --pipeline for soar sample)";
}
