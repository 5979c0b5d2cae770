using System.Globalization;
using System.Text.RegularExpressions;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// Where a pipeline keeps its files: &lt;root&gt;/&lt;stage&gt;/ (outputs + manifest.json), &lt;root&gt;/.stamps/ (parameter and
/// content stamps that drive MSBuild's up-to-date check), &lt;root&gt;/.specs/ (the worker's input), &lt;root&gt;/.slurm/ (job scripts).
/// </summary>
public sealed partial class StageLayout(string outputRoot)
{
    public const string ManifestFileName = "manifest.json";
    public const string TempMarker = ".tmp-";
    public const string AsideMarker = ".old-";

    public string OutputRoot { get; } = Path.GetFullPath(outputRoot);
    public string StampDir => Path.Combine(OutputRoot, ".stamps");
    public string SpecDir => Path.Combine(OutputRoot, ".specs");
    public string LogDir => Path.Combine(OutputRoot, ".logs");
    /// <summary>The Slurm executor's job scripts and the ids of jobs in flight.</summary>
    public string SlurmDir => Path.Combine(OutputRoot, ".slurm");

    public string StageDir(string stage) => Path.Combine(OutputRoot, stage);
    public string Manifest(string stage) => Path.Combine(StageDir(stage), ManifestFileName);
    /// <summary>Kind, parameters, upstream names and tool version; rewritten only when they change.</summary>
    public string ParameterStamp(string stage) => Path.Combine(StampDir, stage + ".params");
    /// <summary>The content hash of the stage's outputs; rewritten only when it changes, so dependents rerun only then.</summary>
    public string ContentStamp(string stage) => Path.Combine(StampDir, stage + ".content");
    public string Spec(string stage) => Path.Combine(SpecDir, stage + ".json");
    public string Log(string stage) => Path.Combine(LogDir, stage + ".log");
    public string SlurmScript(string stage) => Path.Combine(SlurmDir, stage + ".sh");
    /// <summary>The id of the stage's job while the build waits for it; one left behind names a job a killed build left running.</summary>
    public string SlurmJob(string stage) => Path.Combine(SlurmDir, stage + ".job");
    public string ResumeRoot => Path.Combine(OutputRoot, ".resume");
    /// <summary>
    /// Periodic checkpoints of a training stage survive a killed build here, keyed by the fingerprint so they are
    /// only ever resumed by the very same run; deleted when the stage finishes.
    /// </summary>
    public string ResumeDir(string stage, string fingerprint) => Path.Combine(ResumeRoot, $"{stage}-{fingerprint[..16]}");

    /// <summary>Deletes resume folders of this stage other than <paramref name="keep"/> (runs with other fingerprints).</summary>
    public void DeleteStaleResumeDirs(string stage, string? keep)
    {
        foreach (var (dir, name, _) in ResumeDirs())
            if (string.Equals(name, stage, StringComparison.Ordinal) && !string.Equals(dir, keep, StringComparison.Ordinal)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>
    /// A folder this process writes: &lt;stage&gt;.tmp-&lt;pid&gt;.&lt;start ticks&gt;-&lt;random&gt;. The owner in the name lets a later build
    /// tell a dead run's leftovers from a live run's folder.
    /// </summary>
    public string NewTempDir(string stage) => Path.Combine(OutputRoot, stage + TempMarker + OwnerTag());

    public static string OwnerTag()
    {
        var owner = ProcessIdentity.Current;
        return $"{owner.Pid}.{owner.StartTicks.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>
    /// Deletes what provably nobody uses any more: temp and aside folders whose owning process is gone (folders of
    /// older versions name no owner and count as dead), and the resume folder of a stage that has finished with that
    /// fingerprint (a kill between the final move and its removal leaves one behind). Returns what was deleted.
    /// </summary>
    public IReadOnlyList<string> DeleteLeftovers()
    {
        if (!Directory.Exists(OutputRoot)) return [];
        var leftovers = Directory.EnumerateDirectories(OutputRoot)
            .Where(d => Path.GetFileName(d) is var n && (n.Contains(TempMarker) || n.Contains(AsideMarker)) && !OwnerIsAlive(n))
            .ToList();
        leftovers.AddRange(ResumeDirs()
            .Where(r => ManifestCheck.Fingerprint(StageDir(r.Stage)) is { } done && done.StartsWith(r.FingerprintPrefix, StringComparison.Ordinal))
            .Select(r => r.Dir));
        foreach (var dir in leftovers) Directory.Delete(dir, recursive: true);
        return leftovers;
    }

    /// <summary>Finished stage folders (holding a manifest) that no declared stage owns, e.g. left by a renamed stage.</summary>
    public IReadOnlyList<string> UndeclaredStages(IEnumerable<string> declared)
    {
        if (!Directory.Exists(OutputRoot)) return [];
        var names = new HashSet<string>(declared, StringComparer.OrdinalIgnoreCase);
        return Directory.EnumerateDirectories(OutputRoot).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.') && !n.Contains(TempMarker) && !n.Contains(AsideMarker) && !names.Contains(n) && File.Exists(Manifest(n)))
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Deletes a stage's folder with its stamps, spec, log and resume folders; returns the paths deleted.</summary>
    public IReadOnlyList<string> DeleteStage(string stage)
    {
        var deleted = new List<string>();
        foreach (var file in new[] { ParameterStamp(stage), ContentStamp(stage), Spec(stage), Log(stage), SlurmScript(stage) }.Where(File.Exists))
        {
            File.Delete(file);
            deleted.Add(file);
        }
        foreach (var (dir, name, _) in ResumeDirs().Where(r => string.Equals(r.Stage, stage, StringComparison.Ordinal)).ToList())
        {
            Directory.Delete(dir, recursive: true);
            deleted.Add(dir);
        }
        // The manifest goes first, so an interrupted delete never leaves a folder that looks finished.
        if (File.Exists(Manifest(stage))) File.Delete(Manifest(stage));
        if (Directory.Exists(StageDir(stage)))
        {
            Directory.Delete(StageDir(stage), recursive: true);
            deleted.Insert(0, StageDir(stage));
        }
        return deleted;
    }

    private IEnumerable<(string Dir, string Stage, string FingerprintPrefix)> ResumeDirs()
    {
        if (!Directory.Exists(ResumeRoot)) return [];
        // Exactly "<stage>-<16 hex>", so stage "base" never touches the folders of a stage called "base-2".
        return Directory.EnumerateDirectories(ResumeRoot)
            .Select(d => (Dir: d, Match: ResumeName().Match(Path.GetFileName(d))))
            .Where(r => r.Match.Success)
            .Select(r => (r.Dir, r.Match.Groups[1].Value, r.Match.Groups[2].Value))
            .ToList();
    }

    private static bool OwnerIsAlive(string folderName) =>
        OwnerName().Match(folderName) is { Success: true } m
        && new ProcessIdentity(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).IsAlive;

    [GeneratedRegex(@"^(.+)-([0-9a-f]{16})$")]
    private static partial Regex ResumeName();

    [GeneratedRegex(@"\.(?:tmp|old)-(\d+)\.(\d+)-[0-9a-f]{8}$")]
    private static partial Regex OwnerName();
}
