namespace Soar.Pipeline.Tasks;

/// <summary>
/// The `dotnet build` (or msbuild) process a task belongs to. Tasks run in MSBuild node and task host processes
/// (their command line holds "nodemode:"), so the build is the nearest ancestor that is none of them. A task host
/// whose build was killed is not stopped by MSBuild: it waits for its task (docs/pipeline-sdk.md), so stage runs
/// watch this process and stop when it is gone.
/// </summary>
public static class BuildProcess
{
    /// <summary>Tells the worker which processes it belongs to: "pid:start;pid:start" (the build, then the task's own process).</summary>
    public const string LeaseVariable = "SOAR_BUILD_LEASE";

    public static ProcessIdentity Find()
    {
        var pid = Environment.ProcessId;
        for (var depth = 0; depth < 16 && IsMSBuildNode(pid); depth++)
        {
            // A reused node outlives the build that started it (its parent is then init or a subreaper): stop at the node.
            if (ProcessIdentity.ParentOf(pid) is not { } parent || parent <= 1 || !IsMSBuild(parent)) break;
            pid = parent;
        }
        return ProcessIdentity.Of(pid) ?? ProcessIdentity.Current;
    }

    private static bool IsMSBuildNode(int pid) => ProcessIdentity.CommandLine(pid).Contains("nodemode:", StringComparison.OrdinalIgnoreCase);

    private static bool IsMSBuild(int pid) => ProcessIdentity.CommandLine(pid) is var line
        && (line.Contains("dotnet", StringComparison.OrdinalIgnoreCase) || line.Contains("msbuild", StringComparison.OrdinalIgnoreCase));
}
