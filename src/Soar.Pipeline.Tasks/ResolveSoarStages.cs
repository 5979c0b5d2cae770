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

    /// <summary>Stages in run order; metadata Kind, Manifest and StageInputs (the files of the stage's up-to-date check).</summary>
    [Output] public ITaskItem[] OrderedStages { get; private set; } = [];
    [Output] public string EffectiveToolVersion { get; private set; } = "";

    public override bool Execute()
    {
        var catalog = KindCatalog.Embedded;
        var plan = PipelinePlanner.Plan(StageItems.ToDeclarations(Stages, ProjectFile), catalog);
        foreach (var e in plan.Errors)
            Log.LogError(null, e.Code, null, e.File, e.Line, 0, 0, 0, e.Message);
        if (plan.Errors.Count > 0) return false;

        var layout = new StageLayout(OutputRoot);
        foreach (var leftover in layout.DeleteLeftovers())
            Log.LogMessage(MessageImportance.Normal, $"Removed {leftover}, left by an interrupted stage run.");
        EffectiveToolVersion = StageFingerprint.ToolVersion(ToolVersion.Length > 0 ? ToolVersion : OwnVersion(), ToolFiles.Select(f => f.GetMetadata("FullPath")));
        var projectDir = Path.GetDirectoryName(Path.GetFullPath(ProjectFile))!;

        var ordered = new List<ITaskItem>();
        foreach (var stage in plan.Ordered)
        {
            catalog.TryGet(stage.Kind, out var kind);
            var resolved = kind.Resolve(stage.Parameters);
            var sources = SourcePaths.Find(kind, resolved, projectDir);
            FileStamp.WriteIfDifferent(layout.ParameterStamp(stage.Name),
                ParameterStamp.Text(kind.Name, resolved, stage.Upstream, EffectiveToolVersion, sources));

            var check = ManifestCheck.Check(layout.StageDir(stage.Name));
            if (check.Intact)
                FileStamp.WriteIfDifferent(layout.ContentStamp(stage.Name), check.ContentHash + "\n");
            else if (File.Exists(layout.Manifest(stage.Name)))
            {
                File.Delete(layout.Manifest(stage.Name));
                Log.LogMessage(MessageImportance.High, $"Stage '{stage.Name}' ({kind.Name}): {check.Problem}; it will rerun.");
            }

            var inputs = new List<string> { layout.ParameterStamp(stage.Name) };
            inputs.AddRange(stage.Upstream.Select(layout.ContentStamp));
            inputs.AddRange(sources.Select(s => s.FullName));
            var item = new TaskItem(stage.Name);
            item.SetMetadata("Kind", kind.Name);
            item.SetMetadata("Manifest", layout.Manifest(stage.Name));
            item.SetMetadata("StageInputs", string.Join(";", inputs));
            ordered.Add(item);
        }
        OrderedStages = ordered.ToArray();
        return !Log.HasLoggedErrors;
    }

    private static string OwnVersion() =>
        typeof(ResolveSoarStages).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
