namespace Soar.Pipeline.Tasks;

/// <summary>
/// Where a pipeline keeps its files: &lt;root&gt;/&lt;stage&gt;/ (outputs + manifest.json), &lt;root&gt;/.stamps/ (parameter and
/// content stamps that drive MSBuild's up-to-date check), &lt;root&gt;/.specs/ (the worker's input).
/// </summary>
public sealed class StageLayout(string outputRoot)
{
    public const string ManifestFileName = "manifest.json";
    public const string TempMarker = ".tmp-";
    public const string AsideMarker = ".old-";

    public string OutputRoot { get; } = Path.GetFullPath(outputRoot);
    public string StampDir => Path.Combine(OutputRoot, ".stamps");
    public string SpecDir => Path.Combine(OutputRoot, ".specs");

    public string StageDir(string stage) => Path.Combine(OutputRoot, stage);
    public string Manifest(string stage) => Path.Combine(StageDir(stage), ManifestFileName);
    /// <summary>Kind, parameters, upstream names and tool version; rewritten only when they change.</summary>
    public string ParameterStamp(string stage) => Path.Combine(StampDir, stage + ".params");
    /// <summary>The content hash of the stage's outputs; rewritten only when it changes, so dependents rerun only then.</summary>
    public string ContentStamp(string stage) => Path.Combine(StampDir, stage + ".content");
    public string Spec(string stage) => Path.Combine(SpecDir, stage + ".json");
    public string ResumeRoot => Path.Combine(OutputRoot, ".resume");
    /// <summary>
    /// Periodic checkpoints of a training stage survive a killed build here, keyed by the fingerprint so they are
    /// only ever resumed by the very same run; deleted when the stage finishes.
    /// </summary>
    public string ResumeDir(string stage, string fingerprint) => Path.Combine(ResumeRoot, $"{stage}-{fingerprint[..16]}");

    /// <summary>Deletes resume folders of this stage other than <paramref name="keep"/> (runs with other fingerprints).</summary>
    public void DeleteStaleResumeDirs(string stage, string? keep)
    {
        if (!Directory.Exists(ResumeRoot)) return;
        // Exactly "<stage>-<16 hex>", so stage "base" never touches the folders of a stage called "base-2".
        var own = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(stage) + "-[0-9a-f]{16}$");
        foreach (var dir in Directory.EnumerateDirectories(ResumeRoot))
            if (own.IsMatch(Path.GetFileName(dir)) && !string.Equals(dir, keep, StringComparison.Ordinal)) Directory.Delete(dir, recursive: true);
    }
    public string NewTempDir(string stage) => Path.Combine(OutputRoot, stage + TempMarker + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Deletes folders left by an interrupted run (temp outputs never moved in, old outputs never removed).</summary>
    public IReadOnlyList<string> DeleteLeftovers()
    {
        if (!Directory.Exists(OutputRoot)) return [];
        var leftovers = Directory.EnumerateDirectories(OutputRoot)
            .Where(d => Path.GetFileName(d) is var n && (n.Contains(TempMarker) || n.Contains(AsideMarker)))
            .ToList();
        foreach (var dir in leftovers) Directory.Delete(dir, recursive: true);
        return leftovers;
    }
}
