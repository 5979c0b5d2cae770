using System.Reflection;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// Validates the project's stages and orders them; refreshes each stage's parameter stamp and content stamp,
/// and deletes the manifest of a stage whose outputs are no longer intact so MSBuild reruns it.
/// </summary>
public sealed class ResolveSoarStages : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] Stages { get; set; } = [];
    [Required] public string ProjectFile { get; set; } = "";
    [Required] public string OutputRoot { get; set; } = "";
    /// <summary>Version of the worker; empty: this task assembly's version (the SDK and the tool ship together).</summary>
    public string ToolVersion { get; set; } = "";
    /// <summary>Worker binaries whose bytes join the tool version (dev mode), so a rebuilt worker reruns stages.</summary>
    public ITaskItem[] ToolFiles { get; set; } = [];
    /// <summary>';'-separated stage names: build only these and what they read (empty = every stage).</summary>
    public string Only { get; set; } = "";
    /// <summary>The project's &lt;BaseModel&gt; items (at most one): the package training and sample stages start from.</summary>
    public ITaskItem[] BaseModels { get; set; } = [];
    /// <summary>SoarParallel: how many independent stages run at once (1: one after another).</summary>
    public int Parallel { get; set; } = 1;
    /// <summary>SoarDevices ("cuda:0;cuda:1"), checked here so a bad value fails before anything runs.</summary>
    public string Devices { get; set; } = "";
    /// <summary>SoarExecutor (local or slurm) and the SoarSlurm* defaults, checked here with every stage's Slurm* metadata.</summary>
    public string Executor { get; set; } = "local";
    public string SlurmPartition { get; set; } = "";
    public string SlurmCpus { get; set; } = "1";
    public string SlurmGpus { get; set; } = "";
    public string SlurmMem { get; set; } = "";
    public string SlurmTime { get; set; } = "";
    public string SlurmArguments { get; set; } = "";

    /// <summary>
    /// Stages in run order; metadata Kind, Manifest, StageInputs (the files of the stage's up-to-date check), Upstream,
    /// Wave (depth among the planned stages) and Batch (the stages of one batch run together; see <see cref="StageWaves"/>).
    /// </summary>
    [Output] public ITaskItem[] OrderedStages { get; private set; } = [];
    [Output] public string EffectiveToolVersion { get; private set; } = "";
    /// <summary>The build process holding the output root's lock ("pid:start"); each RunSoarStage checks it is still alive.</summary>
    [Output] public string BuildLease { get; private set; } = "";

    /// <summary>Under OutputRoot: one `&lt;stage&gt;.failed` file per stage that failed or was not run in this build (Sdk.targets writes them).</summary>
    public const string OutcomeFolder = ".build";

    public override bool Execute()
    {
        var catalog = KindCatalog.Embedded;
        var bindingErrors = new List<PipelineDiagnostic>();
        var declarations = BaseModelBinding.Apply(StageItems.ToDeclarations(Stages, ProjectFile), BaseModelBinding.Read(BaseModels), catalog, ProjectFile, bindingErrors);
        var plan = PipelinePlanner.Plan(declarations, catalog);
        foreach (var e in bindingErrors.Concat(plan.Errors))
            Log.LogError(null, e.Code, null, e.File, e.Line, 0, 0, 0, e.Message);
        if (plan.Errors.Count > 0 || bindingErrors.Count > 0) return false;
        if (Parallel < 1)
            Log.LogError(null, PipelineErrors.BadParallelSetting, null, ProjectFile, 0, 0, 0, 0, $"SoarParallel={Parallel}: give the number of stages to run at once, 1 or more (1 runs them one after another)");
        if (DeviceLease.Parse(Devices, out var deviceError) is null)
            Log.LogError(null, PipelineErrors.BadParallelSetting, null, ProjectFile, 0, 0, 0, 0, $"SoarDevices=\"{Devices}\": {deviceError}");
        CheckExecutor(plan.Ordered, catalog);
        if (Log.HasLoggedErrors) return false;

        var layout = new StageLayout(OutputRoot);
        var build = BuildProcess.Find();
        if (OutputRootLock.Acquire(layout, build) is { } busy)
        {
            Log.LogError(null, StageRunErrors.OutputRootLocked, null, ProjectFile, 0, 0, 0, 0, busy);
            return false;
        }
        BuildLease = build.ToString();
        // Outcomes of the previous build: a stage that failed then is tried again now.
        var outcomes = Path.Combine(OutputRoot, OutcomeFolder);
        if (Directory.Exists(outcomes)) Directory.Delete(outcomes, recursive: true);
        foreach (var leftover in layout.DeleteLeftovers())
            Log.LogMessage(MessageImportance.Normal, $"Removed {leftover}, left by an interrupted stage run.");
        EffectiveToolVersion = StageFingerprint.ToolVersion(ToolVersion.Length > 0 ? ToolVersion : OwnVersion(), ToolFiles.Select(f => f.GetMetadata("FullPath")));
        var projectDir = Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!;

        var wanted = Closure(plan.Ordered);
        if (wanted is null) return false;
        var items = new Dictionary<string, ITaskItem>(StringComparer.OrdinalIgnoreCase);
        var contentHashes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in plan.Ordered.Where(s => wanted.Contains(s.Name)))
        {
            catalog.TryGet(stage.Kind, out var kind);
            var resolved = kind.Resolve(stage.Parameters);
            var sources = SourcePaths.Find(kind, resolved, projectDir);
            FileStamp.WriteIfDifferent(layout.ParameterStamp(stage.Name),
                ParameterStamp.Text(kind.Name, resolved, stage.Upstream, EffectiveToolVersion, sources));

            // Up to date means built for the fingerprint computed now, not only newer than its stamps.
            var upstreamHashes = stage.Upstream.Select(u => KeyValuePair.Create(u, contentHashes.GetValueOrDefault(u) ?? "")).ToList();
            var check = ManifestCheck.Check(layout.StageDir(stage.Name),
                upstreamHashes.All(u => u.Value.Length > 0) ? StageFingerprint.Compute(kind.Name, resolved, upstreamHashes, EffectiveToolVersion) : null);
            if (check.Intact) contentHashes[stage.Name] = check.ContentHash!;
            if (check.Intact)
                FileStamp.WriteIfDifferent(layout.ContentStamp(stage.Name), check.ContentHash + "\n");
            else if (File.Exists(layout.Manifest(stage.Name)))
            {
                // A stamp newer than the manifest reruns the stage; the outputs stay until the rerun replaces them,
                // so -t:Verify can still compare them and a failed rerun loses nothing.
                File.SetLastWriteTimeUtc(layout.ParameterStamp(stage.Name), DateTime.UtcNow);
                Log.LogMessage(MessageImportance.High, $"Stage '{stage.Name}' ({kind.Name}): {check.Problem}; it will rerun.");
            }

            var inputs = new List<string> { layout.ParameterStamp(stage.Name) };
            inputs.AddRange(stage.Upstream.Select(layout.ContentStamp));
            inputs.AddRange(sources.Select(s => s.FullName));
            // Not in the parameter stamp: the list is the last run's, so a stamp holding it would change after every run that changed it.
            inputs.AddRange(SourcePaths.Recorded(layout.StageDir(stage.Name), projectDir));
            var item = new TaskItem(stage.Name);
            item.SetMetadata("Kind", kind.Name);
            item.SetMetadata("Manifest", layout.Manifest(stage.Name));
            item.SetMetadata("StageInputs", string.Join(";", inputs));
            item.SetMetadata("Upstream", string.Join(";", stage.Upstream));
            items[stage.Name] = item;
        }
        OrderedStages = StageWaves.Assign(plan.Ordered.Where(s => wanted.Contains(s.Name)).ToList(), Parallel).Select(slot =>
        {
            var item = items[slot.Stage.Name];
            item.SetMetadata("Wave", slot.Wave.ToString(System.Globalization.CultureInfo.InvariantCulture));
            item.SetMetadata("Batch", slot.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return item;
        }).ToArray();
        return !Log.HasLoggedErrors;
    }

    /// <summary>SoarExecutor and the Slurm resources: the project's once at the project, each stage's own at its line.</summary>
    private void CheckExecutor(IReadOnlyList<StageDeclaration> stages, KindCatalog catalog)
    {
        if (!Executor.Equals("local", StringComparison.OrdinalIgnoreCase) && !Executor.Equals("slurm", StringComparison.OrdinalIgnoreCase))
            Log.LogError(null, SlurmErrors.BadSetting, null, ProjectFile, 0, 0, 0, 0, $"SoarExecutor={Executor}: give local (stages run on this host) or slurm (each stale stage is a Slurm job)");
        var defaults = new SlurmResources.Defaults(SlurmPartition, SlurmCpus, SlurmGpus, SlurmMem, SlurmTime, SlurmArguments);
        var projectProblems = new List<string>();
        SlurmResources.Resolve(defaults, _ => "", 0, projectProblems);
        foreach (var problem in projectProblems) Log.LogError(null, SlurmErrors.BadSetting, null, ProjectFile, 0, 0, 0, 0, problem);
        foreach (var stage in stages)
        {
            var item = Stages.First(s => string.Equals(s.ItemSpec, stage.Name, StringComparison.OrdinalIgnoreCase));
            var threads = catalog.TryGet(stage.Kind, out var kind) && kind.Parameters.ContainsKey("Threads") && int.TryParse(kind.Value(stage.Parameters, "Threads"), out var t) ? t : 0;
            var problems = new List<string>();
            SlurmResources.Resolve(defaults, item.GetMetadata, threads, problems);
            foreach (var problem in problems.Except(projectProblems))
                Log.LogError(null, SlurmErrors.BadSetting, null, stage.File, stage.Line, 0, 0, 0, $"stage '{stage.Name}': {problem}");
        }
    }

    /// <summary>The stages named in <see cref="Only"/> with everything upstream of them; null after an error.</summary>
    private HashSet<string>? Closure(IReadOnlyList<StageDeclaration> stages)
    {
        var byName = stages.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var names = Only.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) return new HashSet<string>(byName.Keys, StringComparer.OrdinalIgnoreCase);
        var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>();
        foreach (var name in names)
        {
            if (!byName.ContainsKey(name))
            {
                Log.LogError(null, PipelineErrors.UnknownOnlyStage, null, ProjectFile, 0, 0, 0, 0,
                    $"SoarStages names '{name}', which is not a stage of this project; stages: {string.Join(", ", byName.Keys)}");
                return null;
            }
            pending.Push(name);
        }
        while (pending.TryPop(out var name))
            if (result.Add(name)) foreach (var up in byName[name].Upstream) pending.Push(up);
        return result;
    }

    private static string OwnVersion() =>
        typeof(ResolveSoarStages).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
