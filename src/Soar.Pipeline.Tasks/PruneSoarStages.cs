using Microsoft.Build.Framework;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// `dotnet build x.soarproj -t:SoarPrune`: lists, then deletes, the finished stage folders under the output root that no
/// &lt;Stage&gt; declares any more (a renamed or removed stage), with their stamps, specs, logs and resume folders.
/// Only folders holding a manifest.json are stage folders; anything else under the output root is left alone.
/// </summary>
public sealed class PruneSoarStages : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] Stages { get; set; } = [];
    [Required] public string ProjectFile { get; set; } = "";
    [Required] public string OutputRoot { get; set; } = "";
    /// <summary>Only list what would be deleted.</summary>
    public bool DryRun { get; set; }

    public override bool Execute()
    {
        var layout = new StageLayout(OutputRoot);
        if (!DryRun && OutputRootLock.Acquire(layout, BuildProcess.Find()) is { } busy)
        {
            Log.LogError(null, StageRunErrors.OutputRootLocked, null, ProjectFile, 0, 0, 0, 0, busy);
            return false;
        }
        var undeclared = layout.UndeclaredStages(Stages.Select(s => s.ItemSpec));
        if (undeclared.Count == 0)
            Log.LogMessage(MessageImportance.High, $"SoarPrune: every stage folder under {layout.OutputRoot} is declared; nothing to prune");
        foreach (var stage in undeclared)
        {
            var size = new DirectoryInfo(layout.StageDir(stage)).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            if (DryRun)
            {
                Log.LogMessage(MessageImportance.High, $"SoarPrune: would delete stage folder '{stage}' ({size / 1e6:0.0} MB): no <Stage> declares it");
                continue;
            }
            var deleted = layout.DeleteStage(stage);
            Log.LogMessage(MessageImportance.High, $"SoarPrune: deleted stage folder '{stage}' ({size / 1e6:0.0} MB) and {deleted.Count - 1} stamp, spec, log and resume file(s): no <Stage> declares it");
        }
        return !Log.HasLoggedErrors;
    }
}
