using System.ComponentModel;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// One stage run as a Slurm job: submits its script with sbatch, streams the job's log (Slurm writes it on the shared
/// output root) while it waits, scancels it when the build is cancelled or gone, and maps the job's end to the stage's
/// result. A job an earlier, killed build left running (its id in the job file) is cancelled before a new one is submitted.
/// </summary>
public sealed class SlurmStageJob(string stage, string script, string log, string workDir, string jobFile, SlurmResources resources)
{
    /// <summary>How often the job's state is asked for (its log is read four times as often).</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>How long a job neither scontrol nor sacct reports may stay unknown before the stage fails (a restarting controller answers again).</summary>
    public TimeSpan ForgetAfter { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>The folder of sbatch, scontrol, sacct and scancel; empty: found on PATH (tests point it at stand-ins).</summary>
    public string CommandDir { get; init; } = "";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private SlurmCommand.Result Slurm(string command, IEnumerable<string> arguments) =>
        SlurmCommand.Run(CommandDir.Length > 0 ? Path.Combine(CommandDir, command) : command, arguments, CommandTimeout);

    /// <summary>0 when the job completed, null when it was cancelled for the build (or the build is gone), else 1 with the error reported.</summary>
    public int? Run(Action<string> relay, Action<string> status, Action<string, string> error, CancellationToken cancellation, Func<bool> stillWanted)
    {
        CancelLeftover(status);
        if (File.Exists(log)) File.Delete(log);
        if (Submit(error) is not { } jobId) return 1;
        File.WriteAllText(jobFile, jobId + "\n");
        status($"Stage '{stage}' submitted as Slurm job {jobId} ({resources}); its log: {log}");

        var tail = new LogTail(log);
        var memoryKilled = false;
        void Relay(IEnumerable<string> lines)
        {
            foreach (var line in lines)
            {
                memoryKilled |= SlurmJobOutcome.IsMemoryKill(line);
                relay(line);
            }
        }
        SlurmJobState? last = null;
        DateTime? stoppedAt = null;
        var unknownSince = (DateTime?)null;
        var nextUnreachableNote = DateTime.UtcNow;
        var nextQuery = DateTime.UtcNow;
        var nextWantedCheck = DateTime.UtcNow;
        while (true)
        {
            Relay(tail.Read());
            if (stoppedAt is null && (cancellation.IsCancellationRequested || (DateTime.UtcNow >= nextWantedCheck && !stillWanted())))
            {
                stoppedAt = DateTime.UtcNow;
                var cancel = Scancel(jobId);
                status($"Stage '{stage}': cancelling Slurm job {jobId}{(cancel.ExitCode == 0 ? "" : $" failed: {cancel.Said}")}");
            }
            if (DateTime.UtcNow >= nextWantedCheck) nextWantedCheck = DateTime.UtcNow.AddSeconds(1);
            if (DateTime.UtcNow >= nextQuery)
            {
                nextQuery = DateTime.UtcNow + Poll;
                var (state, problem) = Query(jobId);
                if (state is null && !Forgotten(problem))
                {
                    // The controller does not answer (restarting, overloaded): the job may well run on; keep waiting.
                    if (DateTime.UtcNow >= nextUnreachableNote)
                        status($"Stage '{stage}': Slurm does not answer about job {jobId} ({problem}); still waiting");
                    nextUnreachableNote = DateTime.UtcNow.AddMinutes(1);
                }
                else if (state is null)
                {
                    unknownSince ??= DateTime.UtcNow;
                    // scontrol forgets a job MinJobAge after its end; without accounting nothing else knows it.
                    if (DateTime.UtcNow - unknownSince > ForgetAfter)
                    {
                        Relay(tail.Read(final: true));
                        File.Delete(jobFile);
                        if (stoppedAt is not null) return null;
                        error(SlurmErrors.JobLost, $"stage '{stage}': Slurm no longer reports job {jobId} ({problem}); whether it finished is unknown, build again to resubmit it; the job's log: {log}");
                        return 1;
                    }
                }
                else
                {
                    unknownSince = null;
                    Report(jobId, last, state, status);
                    last = state;
                    if (state.IsTerminal) break;
                }
            }
            if (stoppedAt is not null && DateTime.UtcNow - stoppedAt > CommandTimeout) return null;  // scancel sent; not waiting longer
            Thread.Sleep(Poll / 4);
        }
        // The node may write the log's last lines after the job's end reached the controller.
        Thread.Sleep(Poll / 4);
        Relay(tail.Read(final: true));
        File.Delete(jobFile);
        if (stoppedAt is not null) return null;
        if (SlurmJobOutcome.Of(stage, jobId, last!, resources, memoryKilled, log) is not { } failure) return 0;
        error(failure.Code, failure.Message);
        return 1;
    }

    private string? Submit(Action<string, string> error)
    {
        string[] arguments =
        [
            // sbatch expands %j and the like in --output: "%%" is a literal "%".
            "--parsable", $"--job-name=soar-{stage}", $"--output={log.Replace("%", "%%", StringComparison.Ordinal)}", "--open-mode=append", "--requeue", $"--chdir={workDir}",
            .. resources.SbatchOptions(), script,
        ];
        SlurmCommand.Result submitted;
        try { submitted = Slurm("sbatch", arguments); }
        catch (Win32Exception e)
        {
            error(SlurmErrors.SubmitFailed, $"stage '{stage}': SoarExecutor=slurm, but sbatch could not be started ({e.Message}); run the build on a host with the Slurm client commands on PATH, or build with -p:SoarExecutor=local");
            return null;
        }
        if (submitted.ExitCode != 0 || SlurmJobState.ParseJobId(submitted.Output) is not { } jobId)
        {
            error(SlurmErrors.SubmitFailed, $"stage '{stage}': sbatch refused the job ({submitted.Said}); check SlurmPartition, SlurmCpus, SlurmGpus, SlurmMem, SlurmTime and SoarSlurmArguments (sbatch {string.Join(" ", arguments)})");
            return null;
        }
        return jobId;
    }

    private void Report(string jobId, SlurmJobState? last, SlurmJobState now, Action<string> status)
    {
        if (last is not null && now.Restarts > last.Restarts)
            status($"Stage '{stage}': Slurm job {jobId} was requeued (restart {now.Restarts}); it runs again from the start, a training stage from its last checkpoint");
        if (last?.State == now.State) return;
        if (now.State == "PENDING") status($"Stage '{stage}': Slurm job {jobId} pending{(now.Reason is "" or "None" ? "" : $" ({now.Reason})")}");
        else if (now.State == "RUNNING") status($"Stage '{stage}': Slurm job {jobId} running on {now.Nodes}");
        else if (!now.IsTerminal && now.State != "COMPLETING") status($"Stage '{stage}': Slurm job {jobId} {now.State}");
    }

    /// <summary>Whether Slurm said it does not know the job (rather than not answering at all).</summary>
    private static bool Forgotten(string problem) => problem.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase);

    /// <summary>The job's state from scontrol, else (once scontrol has forgotten it) from sacct; null and why when neither answers.</summary>
    private (SlurmJobState? State, string Problem) Query(string jobId)
    {
        SlurmCommand.Result shown;
        try { shown = Slurm("scontrol", ["show", "job", "-o", jobId]); }
        catch (Win32Exception e) { return (null, $"scontrol could not be started: {e.Message}"); }
        if (shown.ExitCode == 0 && SlurmJobState.FromScontrol(shown.Output) is { } state) return (state, "");
        try
        {
            var accounted = Slurm("sacct", ["-n", "-P", "-o", "JobID,State,ExitCode,NodeList,Timelimit", "-j", jobId]);
            if (accounted.ExitCode == 0 && SlurmJobState.FromSacct(accounted.Output, jobId) is { } fromSacct) return (fromSacct, "");
            return (null, $"scontrol: {shown.Said}; sacct: {(accounted.Said.Length > 0 ? accounted.Said : "no record")}");
        }
        catch (Win32Exception) { return (null, $"scontrol: {shown.Said}; sacct is not installed"); }
    }

    private SlurmCommand.Result Scancel(string jobId)
    {
        try { return Slurm("scancel", [jobId]); }
        catch (Win32Exception e) { return new SlurmCommand.Result(-1, "", $"scancel could not be started: {e.Message}"); }
    }

    /// <summary>Cancels the job a killed build left for this stage, if Slurm still runs it: its outputs would land in a folder nobody moves.</summary>
    private void CancelLeftover(Action<string> status)
    {
        if (!File.Exists(jobFile)) return;
        var jobId = File.ReadAllText(jobFile).Trim();
        if (jobId.Length > 0 && Query(jobId).State is { IsTerminal: false })
        {
            Scancel(jobId);
            status($"Stage '{stage}': cancelled Slurm job {jobId}, left running by an earlier build that is gone");
        }
        File.Delete(jobFile);
    }
}
