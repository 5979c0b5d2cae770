using System.Text.Json;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// Runs one stage in the soar worker process, on this host or as a Slurm job (SoarExecutor=slurm): writes its spec,
/// streams the worker's progress into the build log, and moves the temp output folder into place only when the worker
/// succeeded and the move is still wanted (the build is alive, holds the output root's lock, and declares the stage as
/// it did at the start). The worker (or its job) is stopped when the build is gone. The content stamp is rewritten only when the outputs' content hash changed, so
/// identical outputs do not rerun dependents.
/// </summary>
public sealed class RunSoarStage : Microsoft.Build.Utilities.Task, ICancelableTask
{
    [Required] public string StageName { get; set; } = "";
    /// <summary>The project's &lt;Stage&gt; items as declared (their defining file and line locate errors).</summary>
    [Required] public ITaskItem[] AllStages { get; set; } = [];
    [Required] public string ProjectFile { get; set; } = "";
    /// <summary>The project's &lt;BaseModel&gt; items, bound to stages exactly as ResolveSoarStages binds them.</summary>
    public ITaskItem[] BaseModels { get; set; } = [];
    [Required] public string OutputRoot { get; set; } = "";
    [Required] public string ToolVersion { get; set; } = "";
    /// <summary>soar.dll (run with the dotnet host) or a soar executable.</summary>
    [Required] public string ToolPath { get; set; } = "";
    public string? DotnetHostPath { get; set; }
    public int CancelGraceMilliseconds { get; set; } = 5000;
    /// <summary>The build process ("pid:start", from ResolveSoarStages); empty: found from this process's ancestors.</summary>
    public string BuildLease { get; set; } = "";
    /// <summary>SoarParallel: stages running at once; above 1 a Threads=0 stage gets its share of the cores (<see cref="WorkerThreads"/>).</summary>
    public int Parallel { get; set; } = 1;
    /// <summary>SoarDevices ("cuda:0;cuda:1"): a stage with Device=auto|cuda runs on one it leases (<see cref="DeviceLease"/>).</summary>
    public string Devices { get; set; } = "";
    /// <summary>SoarExecutor: local (the worker runs here) or slurm (each stage is a Slurm job; <see cref="SlurmStageJob"/>).</summary>
    public string Executor { get; set; } = "local";
    /// <summary>The project's SoarSlurm* defaults; a stage's SlurmPartition, SlurmCpus, ... metadata override them.</summary>
    public string SlurmPartition { get; set; } = "";
    public string SlurmCpus { get; set; } = "1";
    public string SlurmGpus { get; set; } = "";
    public string SlurmMem { get; set; } = "";
    public string SlurmTime { get; set; } = "";
    /// <summary>SoarSlurmArguments: further sbatch options, ';'-separated (e.g. --account=proj;--qos=high).</summary>
    public string SlurmArguments { get; set; } = "";

    [Output] public bool Ran { get; private set; }
    /// <summary>The run's wall time from its manifest, in seconds with one decimal ("12.3"); empty when it did not finish.</summary>
    [Output] public string WallSeconds { get; private set; } = "";

    private readonly CancellationTokenSource _cancel = new();
    /// <summary>The worker's code for "stopped by a signal" (Ctrl+C, SIGTERM).</summary>
    private const string WorkerCancelled = "SOAR0130";

    public void Cancel() => _cancel.Cancel();

    public override bool Execute()
    {
        var item = AllStages.FirstOrDefault(s => string.Equals(s.ItemSpec, StageName, StringComparison.OrdinalIgnoreCase));
        if (item is null)
        {
            Log.LogError(null, PipelineErrors.MissingUpstream, null, ProjectFile, 0, 0, 0, 0, $"no <Stage Include=\"{StageName}\"> in the project");
            return false;
        }
        var stage = BaseModelBinding.Apply(StageItems.ToDeclarations(AllStages, ProjectFile), BaseModelBinding.Read(BaseModels), KindCatalog.Embedded, ProjectFile, [])
            .First(s => string.Equals(s.Name, item.ItemSpec, StringComparison.OrdinalIgnoreCase));
        if (!KindCatalog.Embedded.TryGet(stage.Kind, out var kind))
            return Error(PipelineErrors.UnknownKind, $"stage '{stage.Name}' has unknown Kind '{stage.Kind}'", stage);
        var layout = new StageLayout(OutputRoot);
        var kinds = AllStages.ToDictionary(s => s.ItemSpec, s => s.GetMetadata("Kind"), StringComparer.OrdinalIgnoreCase);

        var inputs = new List<StageSpecFile.Input>();
        var upstreamHashes = new List<KeyValuePair<string, string>>();
        foreach (var up in stage.Upstream)
        {
            var check = ManifestCheck.Check(layout.StageDir(up));
            if (!check.Intact)
                return Error(PipelineErrors.UpstreamNotBuilt, $"stage '{stage.Name}' needs upstream '{up}', but {check.Problem}; build the whole project, not one stage", stage);
            inputs.Add(new(up, kinds.TryGetValue(up, out var k) ? k : "", layout.StageDir(up)));
            upstreamHashes.Add(KeyValuePair.Create(up, check.ContentHash!));
        }
        var resolved = kind.Resolve(stage.Parameters);
        var fingerprint = StageFingerprint.Compute(kind.Name, resolved, upstreamHashes, ToolVersion);
        var given = new SortedDictionary<string, string>(stage.Parameters.Where(p => kind.Parameters.ContainsKey(p.Key))
            .ToDictionary(p => kind.Parameters[p.Key].Name, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);

        var build = ProcessIdentity.Parse(BuildLease) ?? BuildProcess.Find();
        var startedFor = StageStartState.Capture(layout, stage.Name, upstreamHashes);

        Log.LogMessage(MessageImportance.High, $"Stage '{stage.Name}' ({kind.Name}) running{(given.Count > 0 ? ": " + string.Join(" ", given.Select(p => $"{p.Key}={p.Value}")) : "")}");
        var temp = layout.NewTempDir(stage.Name);
        var resumeDir = layout.ResumeDir(stage.Name, fingerprint);
        TryCleanUp($"the resume folders of earlier '{stage.Name}' runs", () => layout.DeleteStaleResumeDirs(stage.Name, keep: resumeDir), stage);
        Directory.CreateDirectory(temp);
        try
        {
            StageSpecFile.Write(layout.Spec(stage.Name), stage.Name, kind.Name, Path.GetFullPath(ProjectFile), temp, given, inputs, fingerprint, resumeDir);
            var exitCode = Executor.Equals("slurm", StringComparison.OrdinalIgnoreCase) ? RunSlurmJob(item, stage, kind, layout, build, temp) : RunHere(stage, kind, layout, build);
            if (exitCode is null && !build.IsAlive)
                return Refuse(StageRunErrors.BuildGone, $"stage '{stage.Name}': the build that started it (pid {build.Pid}) is gone; the worker was stopped and nothing was moved into place", stage, layout);
            if (exitCode is null)
                return Error(PipelineErrors.Cancelled, $"stage '{stage.Name}' was cancelled; its previous outputs are unchanged", stage);
            if (exitCode != 0)
                return Log.HasLoggedErrors ? false
                    : Error(PipelineErrors.WorkerFailed, $"stage '{stage.Name}': the soar worker exited with code {exitCode}; see the lines above", stage);

            var contentHash = ReadFinishedManifest(temp, fingerprint, stage, Executor.Equals("slurm", StringComparison.OrdinalIgnoreCase)
                ? "; is SoarOutputRoot on a file system the Slurm nodes share?" : "");
            if (contentHash is null) return false;
            if (WhyNotMove(layout, build, startedFor) is { } why)
                return Refuse(StageRunErrors.StaleRun, $"stage '{stage.Name}': {why}; its outputs were discarded and the next build runs it for what is declared then", stage, layout);
            StageFolderSwap.Swap(temp, layout.StageDir(stage.Name));
            TryCleanUp($"the resume folder {resumeDir}", () => layout.DeleteStaleResumeDirs(stage.Name, keep: null), stage);
            var changed = FileStamp.WriteIfDifferent(layout.ContentStamp(stage.Name), contentHash + "\n");
            Log.LogMessage(MessageImportance.High, changed
                ? $"Stage '{stage.Name}' ({kind.Name}) done: outputs {contentHash[..12]}"
                : $"Stage '{stage.Name}' ({kind.Name}) done: outputs unchanged ({contentHash[..12]}), dependents need not rerun");
            Ran = true;
            return !Log.HasLoggedErrors;
        }
        finally
        {
            // A failing cleanup must not replace the run's own result (or error) with MSBuild's "task failed unexpectedly".
            TryCleanUp($"the temp folder {temp}", () => { if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true); }, stage);
        }
    }

    /// <summary>Why the finished outputs must not replace the stage's folder now, or null.</summary>
    private static string? WhyNotMove(StageLayout layout, ProcessIdentity build, StageStartState startedFor)
    {
        if (!build.IsAlive) return $"the build that started it (pid {build.Pid}) is gone";
        if (OutputRootLock.Read(layout) is { } holder && !OutputRootLock.IsHeldBy(layout, build))
            return $"another build (pid {holder.Process.Pid}) took over {layout.OutputRoot} while it ran";
        return startedFor.Drift(layout) is { } drift ? drift + " since it started" : null;
    }

    /// <summary>An error that may have no build left to show it: written to the stage's log file first.</summary>
    private bool Refuse(string code, string message, StageDeclaration stage, StageLayout layout)
    {
        try { File.AppendAllText(layout.Log(stage.Name), $"error {code}: {message}\n"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the build log below still has it */ }
        return Error(code, message, stage);
    }

    private void TryCleanUp(string what, Action cleanUp, StageDeclaration stage)
    {
        if (FolderCleanup.Try(cleanUp) is { } problem)
            Log.LogWarning(null, StageRunErrors.CleanupFailed, null, stage.File, stage.Line, 0, 0, 0,
                $"could not remove {what} ({problem}); the next build removes it once nothing uses it");
    }

    /// <summary>
    /// A device of <see cref="Devices"/> for a stage that wants one (Device=auto|cuda), waiting while all are taken;
    /// Lease is null when none is wanted, or when the build was cancelled or is gone while it waited.
    /// </summary>
    private DeviceChoice LeaseDevice(StageDeclaration stage, KindInfo kind, StageLayout layout, ProcessIdentity build)
    {
        var devices = DeviceLease.Parse(Devices, out _) ?? [];
        if (devices.Count == 0 || !kind.Parameters.ContainsKey("Device") || !DeviceLease.Wants(kind.Value(stage.Parameters, "Device")))
            return new(null, Wanted: false);
        var holder = $"stage={stage.Name} process={ProcessIdentity.Current}";
        if (DeviceLease.TryAcquire(layout.OutputRoot, devices, holder) is not { } lease)
        {
            Log.LogMessage(MessageImportance.High, $"Stage '{stage.Name}' waits for a free device of SoarDevices (all of {string.Join(", ", devices)} are held by running stages)");
            lease = DeviceLease.Acquire(layout.OutputRoot, devices, holder, _cancel.Token, () => build.IsAlive);
        }
        if (lease is not null) Log.LogMessage(MessageImportance.High, $"Stage '{stage.Name}' holds {lease.Device} (SoarDevices) while it runs");
        return new(lease, Wanted: true);
    }

    private sealed record DeviceChoice(DeviceLease? Lease, bool Wanted) : IDisposable
    {
        public void Dispose() => Lease?.Dispose();
    }

    /// <summary>The worker on this host, on a device of SoarDevices when the stage wants one.</summary>
    private int? RunHere(StageDeclaration stage, KindInfo kind, StageLayout layout, ProcessIdentity build)
    {
        using var device = LeaseDevice(stage, kind, layout, build);
        return device is { Lease: null, Wanted: true } ? null : RunWorker(stage, layout, build, device.Lease);
    }

    private int? RunWorker(StageDeclaration stage, StageLayout layout, ProcessIdentity build, DeviceLease? device)
    {
        var info = WorkerProcess.StartInfo(ToolPath, DotnetHostPath, ["stage", "run", layout.Spec(stage.Name)]);
        // The worker stops by itself when the build or this process is gone (kill -9 of either).
        info.Environment[BuildProcess.LeaseVariable] = $"{build};{ProcessIdentity.Current}";
        if (WorkerThreads.ForAuto(Parallel, Environment.ProcessorCount) is { } threads)
            info.Environment[WorkerThreads.Variable] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (device is not null) info.Environment[DeviceLease.Variable] = device.Device;
        var logPath = layout.Log(stage.Name);
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        using var logFile = new StreamWriter(logPath, append: false) { AutoFlush = true };  // live, so `tail -f` follows the run
        try
        {
            return WorkerProcess.Run(info, (line, _) =>
            {
                logFile.WriteLine(line);
                Relay(line, stage, prefixed: Parallel > 1);
            }, _cancel.Token, TimeSpan.FromMilliseconds(CancelGraceMilliseconds), stillWanted: () => build.IsAlive);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Error(PipelineErrors.WorkerNotFound, $"could not start the soar worker '{info.FileName}' ({e.Message}); set SoarToolPath to a soar.dll, e.g. publish one in your Soar.Pipeline clone with `dotnet publish src/Soar.Pipeline.Tool -c Release -o ~/soar-tool` and set <SoarToolPath>$(HOME)/soar-tool/soar.dll</SoarToolPath>", stage);
            return -1;
        }
    }

    /// <summary>
    /// The worker as a Slurm job (<see cref="SlurmStageJob"/>): Slurm writes its log into the output root, read here as
    /// it grows. The job gets no build lease (the build's pids mean nothing on a node): this task scancels it instead.
    /// </summary>
    private int? RunSlurmJob(ITaskItem item, StageDeclaration stage, KindInfo kind, StageLayout layout, ProcessIdentity build, string temp)
    {
        var problems = new List<string>();
        var threads = kind.Parameters.ContainsKey("Threads") && int.TryParse(kind.Value(stage.Parameters, "Threads"), out var t) ? t : 0;
        var resources = SlurmResources.Resolve(new(SlurmPartition, SlurmCpus, SlurmGpus, SlurmMem, SlurmTime, SlurmArguments), item.GetMetadata, threads, problems);
        if (resources is null)
        {
            foreach (var problem in problems) Error(SlurmErrors.BadSetting, $"stage '{stage.Name}': {problem}", stage);
            return -1;
        }
        var worker = WorkerProcess.StartInfo(ToolPath, DotnetHostPath, ["stage", "run", layout.Spec(stage.Name)]);
        var script = layout.SlurmScript(stage.Name);
        SlurmJobScript.Write(script, SlurmJobScript.Text(stage.Name, kind.Name, Path.GetFullPath(ProjectFile), temp, worker.FileName, worker.ArgumentList, resources.Cpus));
        Directory.CreateDirectory(layout.LogDir);
        var job = new SlurmStageJob(stage.Name, script, layout.Log(stage.Name), Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!, layout.SlurmJob(stage.Name), resources);
        // Jobs of several stages run at once: every line names its stage. The worker's "cancelled" error is its view of
        // a scancel or a time limit, which the job's own error (SOAR1043, SOAR1044) names better.
        return job.Run(
            line => Relay(line, stage, prefixed: true, asMessage: WorkerLine.TryParse(line)?.Code == WorkerCancelled),
            status => Log.LogMessage(MessageImportance.High, status),
            (code, message) => Error(code, message, stage),
            _cancel.Token, () => build.IsAlive);
    }

    /// <summary>A worker line into the build log: its errors and warnings at the stage's line, the rest as progress.</summary>
    private void Relay(string line, StageDeclaration stage, bool prefixed, bool asMessage = false)
    {
        if (!asMessage && WorkerLine.TryParse(line) is { } diagnostic)
        {
            if (diagnostic.IsError) Log.LogError(null, diagnostic.Code, null, stage.File, stage.Line, 0, 0, 0, diagnostic.Message);
            else Log.LogWarning(null, diagnostic.Code, null, stage.File, stage.Line, 0, 0, 0, diagnostic.Message);
            return;
        }
        // Side by side, stages' lines interleave: each must name its stage (the worker's own lines do).
        var prefix = $"[{stage.Name}]";
        Log.LogMessage(MessageImportance.High, prefixed && !line.StartsWith(prefix, StringComparison.Ordinal) ? $"{prefix} {line}" : line);
    }

    private string? ReadFinishedManifest(string temp, string fingerprint, StageDeclaration stage, string hint)
    {
        var path = Path.Combine(temp, StageLayout.ManifestFileName);
        if (!File.Exists(path))
        {
            Error(PipelineErrors.WorkerOutputInvalid, $"stage '{stage.Name}': the worker exited successfully but wrote no {path}; nothing was moved into place{hint}", stage);
            return null;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var recorded = doc.RootElement.TryGetProperty("fingerprint", out var f) ? f.GetString() : null;
        if (recorded != fingerprint)
        {
            Error(PipelineErrors.WorkerOutputInvalid, $"stage '{stage.Name}': the manifest records fingerprint {recorded ?? "(none)"}, expected {fingerprint}; the worker did not run this spec", stage);
            return null;
        }
        if (doc.RootElement.TryGetProperty("run", out var run) && run.TryGetProperty("wallSeconds", out var wall) && wall.TryGetDouble(out var seconds))
            WallSeconds = seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        return doc.RootElement.GetProperty("contentHash").GetString();
    }

    private bool Error(string code, string message, StageDeclaration stage)
    {
        Log.LogError(null, code, null, stage.File, stage.Line, 0, 0, 0, message);
        return false;
    }
}
