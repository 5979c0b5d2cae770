using Microsoft.Build.Framework;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// `dotnet build x.soarproj -t:Verify`: runs `soar verify` on one finished stage with the parameters the project
/// declares now, relays its report, and fails with the stage's file and line when it did not reproduce.
/// </summary>
public sealed class VerifySoarStage : Microsoft.Build.Utilities.Task, ICancelableTask
{
    [Required] public string StageName { get; set; } = "";
    [Required] public ITaskItem[] AllStages { get; set; } = [];
    [Required] public string ProjectFile { get; set; } = "";
    /// <summary>The project's &lt;BaseModel&gt; items, bound to stages exactly as ResolveSoarStages binds them.</summary>
    public ITaskItem[] BaseModels { get; set; } = [];
    [Required] public string OutputRoot { get; set; } = "";
    [Required] public string ToolPath { get; set; } = "";
    public string? DotnetHostPath { get; set; }
    /// <summary>Training stages: re-run only this many steps (0 = the whole stage).</summary>
    public int Steps { get; set; }
    public double Tolerance { get; set; }

    private readonly CancellationTokenSource _cancel = new();

    public void Cancel() => _cancel.Cancel();

    public override bool Execute()
    {
        var stage = BaseModelBinding.Apply(StageItems.ToDeclarations(AllStages, ProjectFile), BaseModelBinding.Read(BaseModels), KindCatalog.Embedded, ProjectFile, [])
            .First(s => string.Equals(s.Name, StageName, StringComparison.OrdinalIgnoreCase));
        var dir = new StageLayout(OutputRoot).StageDir(stage.Name);
        if (!File.Exists(Path.Combine(dir, StageLayout.ManifestFileName)))
        {
            Log.LogError(null, PipelineErrors.UpstreamNotBuilt, null, stage.File, stage.Line, 0, 0, 0, $"stage '{stage.Name}' has not been built yet; run `dotnet build` before -t:Verify");
            return false;
        }
        var args = new List<string> { "verify", dir, "--tolerance", Tolerance.ToString("R", System.Globalization.CultureInfo.InvariantCulture) };
        if (Steps > 0 && KindCatalog.Embedded.TryGet(stage.Kind, out var kind) && kind.Parameters.ContainsKey("Steps"))
            args.AddRange(["--steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        foreach (var (name, value) in stage.Parameters) args.AddRange(["--param", $"{name}={value}"]);

        Log.LogMessage(MessageImportance.High, $"Verifying stage '{stage.Name}' ({stage.Kind})");
        var build = BuildProcess.Find();
        var exit = WorkerProcess.Run(WorkerProcess.StartInfo(ToolPath, DotnetHostPath, args), (line, _) =>
        {
            if (WorkerLine.TryParse(line) is { } diagnostic && diagnostic.IsError)
                Log.LogError(null, diagnostic.Code == "SOAR2703" ? PipelineErrors.NotReproduced : diagnostic.Code, null, stage.File, stage.Line, 0, 0, 0, diagnostic.Message);
            else Log.LogMessage(MessageImportance.High, line);
        }, _cancel.Token, TimeSpan.FromSeconds(5), stillWanted: () => build.IsAlive);  // a killed build's task host waits for its task
        if (exit is null)
        {
            Log.LogError(null, PipelineErrors.Cancelled, null, stage.File, stage.Line, 0, 0, 0, $"verification of '{stage.Name}' was cancelled");
            return false;
        }
        if (exit != 0 && !Log.HasLoggedErrors)
            Log.LogError(null, PipelineErrors.NotReproduced, null, stage.File, stage.Line, 0, 0, 0, $"stage '{stage.Name}': soar verify exited with code {exit}; see the lines above");
        return !Log.HasLoggedErrors;
    }
}
