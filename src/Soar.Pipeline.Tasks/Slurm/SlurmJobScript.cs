using System.Globalization;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// The batch script of one stage's job: empties the stage's temp output folder (a requeued attempt starts afresh there;
/// a training stage resumes from the checkpoint in its resume folder), then execs the worker on the stage's spec.
/// </summary>
public static class SlurmJobScript
{
    public static string Text(string stage, string kind, string projectFile, string outputDir, string worker, IEnumerable<string> workerArguments, int cpus) => $"""
        #!/bin/bash
        # Stage '{stage}' ({kind}) of {projectFile}, submitted by `dotnet build`; Slurm runs it again as is when it requeues the job.
        set -euo pipefail
        rm -rf -- {Quote(outputDir)}
        # Threads=0 (auto) uses the CPUs the job was given, not every core of the node.
        export {WorkerThreads.Variable}={cpus.ToString(CultureInfo.InvariantCulture)}
        exec {string.Join(" ", new[] { worker }.Concat(workerArguments).Select(Quote))}

        """;

    public static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>A bash word that reads as exactly <paramref name="text"/>.</summary>
    public static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
