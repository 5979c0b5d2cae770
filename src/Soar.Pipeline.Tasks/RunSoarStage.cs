using System.Text.Json;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// Runs one stage in the soar worker process: writes its spec, streams the worker's progress into the build log,
/// and moves the temp output folder into place only when the worker succeeded. The content stamp is rewritten
/// only when the outputs' content hash changed, so identical outputs do not rerun dependents.
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

    [Output] public bool Ran { get; private set; }

    private readonly CancellationTokenSource _cancel = new();

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

        Log.LogMessage(MessageImportance.High, $"Stage '{stage.Name}' ({kind.Name}) running{(given.Count > 0 ? ": " + string.Join(" ", given.Select(p => $"{p.Key}={p.Value}")) : "")}");
        var temp = layout.NewTempDir(stage.Name);
        var resumeDir = layout.ResumeDir(stage.Name, fingerprint);
        layout.DeleteStaleResumeDirs(stage.Name, keep: resumeDir);
        Directory.CreateDirectory(temp);
        try
        {
            StageSpecFile.Write(layout.Spec(stage.Name), stage.Name, kind.Name, Path.GetFullPath(ProjectFile), temp, given, inputs, fingerprint, resumeDir);
            var exitCode = RunWorker(stage, layout);
            if (exitCode is null)
                return Error(PipelineErrors.Cancelled, $"stage '{stage.Name}' was cancelled; its previous outputs are unchanged", stage);
            if (exitCode != 0)
                return Log.HasLoggedErrors ? false
                    : Error(PipelineErrors.WorkerFailed, $"stage '{stage.Name}': the soar worker exited with code {exitCode}; see the lines above", stage);

            var contentHash = ReadFinishedManifest(temp, fingerprint, stage);
            if (contentHash is null) return false;
            StageFolderSwap.Swap(temp, layout.StageDir(stage.Name));
            layout.DeleteStaleResumeDirs(stage.Name, keep: null);
            var changed = FileStamp.WriteIfDifferent(layout.ContentStamp(stage.Name), contentHash + "\n");
            Log.LogMessage(MessageImportance.High, changed
                ? $"Stage '{stage.Name}' ({kind.Name}) done: outputs {contentHash[..12]}"
                : $"Stage '{stage.Name}' ({kind.Name}) done: outputs unchanged ({contentHash[..12]}), dependents need not rerun");
            Ran = true;
            return !Log.HasLoggedErrors;
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private int? RunWorker(StageDeclaration stage, StageLayout layout)
    {
        var info = WorkerProcess.StartInfo(ToolPath, DotnetHostPath, ["stage", "run", layout.Spec(stage.Name)]);
        var logPath = Path.Combine(layout.OutputRoot, ".logs", stage.Name + ".log");
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        using var logFile = new StreamWriter(logPath, append: false) { AutoFlush = true };  // live, so `tail -f` follows the run
        try
        {
            return WorkerProcess.Run(info, (line, _) =>
            {
                lock (logFile) logFile.WriteLine(line);
                if (WorkerLine.TryParse(line) is { } diagnostic)
                {
                    if (diagnostic.IsError) Log.LogError(null, diagnostic.Code, null, stage.File, stage.Line, 0, 0, 0, diagnostic.Message);
                    else Log.LogWarning(null, diagnostic.Code, null, stage.File, stage.Line, 0, 0, 0, diagnostic.Message);
                }
                else Log.LogMessage(MessageImportance.High, line);
            }, _cancel.Token, TimeSpan.FromMilliseconds(CancelGraceMilliseconds));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Error(PipelineErrors.WorkerNotFound, $"could not start the soar worker '{info.FileName}' ({e.Message}); set SoarToolPath to a soar.dll, e.g. publish one in your Soar.Pipeline clone with `dotnet publish src/Soar.Pipeline.Tool -c Release -o ~/soar-tool` and set <SoarToolPath>$(HOME)/soar-tool/soar.dll</SoarToolPath>", stage);
            return -1;
        }
    }

    private string? ReadFinishedManifest(string temp, string fingerprint, StageDeclaration stage)
    {
        var path = Path.Combine(temp, StageLayout.ManifestFileName);
        if (!File.Exists(path))
        {
            Error(PipelineErrors.WorkerOutputInvalid, $"stage '{stage.Name}': the worker exited successfully but wrote no {StageLayout.ManifestFileName}; nothing was moved into place", stage);
            return null;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var recorded = doc.RootElement.TryGetProperty("fingerprint", out var f) ? f.GetString() : null;
        if (recorded != fingerprint)
        {
            Error(PipelineErrors.WorkerOutputInvalid, $"stage '{stage.Name}': the manifest records fingerprint {recorded ?? "(none)"}, expected {fingerprint}; the worker did not run this spec", stage);
            return null;
        }
        return doc.RootElement.GetProperty("contentHash").GetString();
    }

    private bool Error(string code, string message, StageDeclaration stage)
    {
        Log.LogError(null, code, null, stage.File, stage.Line, 0, 0, 0, message);
        return false;
    }
}
