namespace Soar.Pipeline.Tasks;

/// <summary>
/// The stage's result from its job's end: null for success, else the error (code and message) naming the stage, the
/// job id and what to do. Out of memory is what Slurm reports either way it happens: the state OUT_OF_MEMORY (a cgroup
/// OOM kill), or slurmstepd's "exceeded memory limit" line in the job's log (jobacct_gather's OverMemoryKill, which
/// leaves the state FAILED).
/// </summary>
public static class SlurmJobOutcome
{
    public static (string Code, string Message)? Of(string stage, string jobId, SlurmJobState job, SlurmResources resources, bool memoryKilled, string log)
    {
        var see = $"the job's log: {log}";
        if (job.State == "COMPLETED" && job.ExitCode == 0) return null;
        if (job.State == "OUT_OF_MEMORY" || (memoryKilled && job.State is "FAILED" or "CANCELLED"))
            return (SlurmErrors.JobOutOfMemory, $"stage '{stage}': Slurm job {jobId} ran out of memory{(resources.Memory.Length > 0 ? $" (--mem={resources.Memory})" : "")} and was killed; "
                + $"give it more with SlurmMem on the <Stage> or -p:SoarSlurmMem (e.g. 16G); {see}");
        return job.State switch
        {
            "TIMEOUT" => (SlurmErrors.JobTimedOut, $"stage '{stage}': Slurm job {jobId} reached its time limit{(job.TimeLimit.Length > 0 ? $" ({job.TimeLimit})" : "")} and was stopped; "
                + $"give it more with SlurmTime on the <Stage> or -p:SoarSlurmTime (e.g. 2:00:00); a training stage resumes from its last checkpoint on the next build; {see}"),
            "CANCELLED" => (SlurmErrors.JobCancelled, $"stage '{stage}': Slurm job {jobId} was cancelled (scancel) before it finished; its previous outputs are unchanged; build again to resubmit it; {see}"),
            "FAILED" or "COMPLETED" => (SlurmErrors.JobFailed, $"stage '{stage}': Slurm job {jobId} failed{(job.Nodes.Length > 0 ? $" on {job.Nodes}" : "")}: "
                + (job.Signal != 0 && job.ExitCode == 0 ? $"the job was killed by signal {job.Signal}" : $"the soar worker exited with code {job.ExitCode}") + $"; see the lines above and {see}"),
            "NODE_FAIL" or "BOOT_FAIL" => (SlurmErrors.JobLost, $"stage '{stage}': Slurm job {jobId} ended {job.State}: its node{(job.Nodes.Length > 0 ? $" {job.Nodes}" : "")} failed; build again to resubmit it; {see}"),
            "PREEMPTED" => (SlurmErrors.JobLost, $"stage '{stage}': Slurm job {jobId} was preempted and not requeued (the partition's PreemptMode is not REQUEUE); build again to resubmit it, a training stage resumes from its last checkpoint; {see}"),
            _ => (SlurmErrors.JobLost, $"stage '{stage}': Slurm job {jobId} ended {job.State}{(job.Reason is "" or "None" ? "" : $" ({job.Reason})")} without finishing; {see}"),
        };
    }

    /// <summary>Whether a job log line is slurmstepd saying it killed the job for its memory.</summary>
    public static bool IsMemoryKill(string line) =>
        line.StartsWith("slurmstepd", StringComparison.Ordinal)
        && (line.Contains("exceeded memory limit", StringComparison.OrdinalIgnoreCase)
            || line.Contains("Exceeded job memory limit", StringComparison.OrdinalIgnoreCase)
            || line.Contains("oom_kill event", StringComparison.OrdinalIgnoreCase)
            || line.Contains("oom-kill event", StringComparison.OrdinalIgnoreCase));
}
