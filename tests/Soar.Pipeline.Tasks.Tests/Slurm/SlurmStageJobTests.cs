using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Slurm;

/// <summary>
/// Edge cases of submitting and waiting, with stand-in sbatch, scontrol, sacct and scancel scripts (the real Slurm runs
/// in the end-to-end tests, SlurmExecutorTests): what Slurm prints is fixed here, so each mapping is checked exactly.
/// </summary>
public class SlurmStageJobTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly List<string> _lines = [];
    private readonly List<string> _status = [];
    private readonly List<(string Code, string Message)> _errors = [];

    private string Bin => Path.Combine(_folder.Path, "bin");
    private string Log => Path.Combine(_folder.Path, "100%", "left.log");
    private string JobFile => Path.Combine(_folder.Path, "left.job");

    /// <summary>A stand-in command: a bash script in the stand-ins' folder, its own folder in $here.</summary>
    private void Command(string name, string body)
    {
        var path = _folder.File(Path.Combine("bin", name), $"#!/bin/bash\nhere=\"$(dirname \"$0\")\"\n{body}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>sbatch writing <paramref name="log"/> into --output and printing job id 5; scontrol printing the state file.</summary>
    private void Slurm(string state, string log = "")
    {
        // As sbatch does, "%%" in --output is a literal "%".
        Command("sbatch", $"for a in \"$@\"; do case \"$a\" in --output=*) f=$(printf '%s' \"${{a#--output=}}\" | sed 's/%%/%/g'); printf '{log}' >> \"$f\";; esac; done; "
            + "echo \"$*\" > \"$here/sbatch.args\"; echo 5");
        File.WriteAllText(Path.Combine(Bin, "state"), state);
        Command("scontrol", "cat \"$here/state\"");
        Command("scancel", "echo \"$1\" > \"$here/scancelled\"; echo 'JobId=5 JobState=CANCELLED Reason=None ExitCode=0:15' > \"$here/state\"");
    }

    private int? Run(CancellationToken cancellation = default, string? bin = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Log)!);
        var job = new SlurmStageJob("left", "/out/.slurm/left.sh", Log, "/project", JobFile, new SlurmResources("", 1, "", "40M", "", []))
        {
            CommandDir = bin ?? Bin,
            Poll = TimeSpan.FromMilliseconds(100),
            ForgetAfter = TimeSpan.FromMilliseconds(300),
        };
        return job.Run(_lines.Add, _status.Add, (code, message) => _errors.Add((code, message)), cancellation, () => true);
    }

    [Fact]
    public void A_completed_job_succeeds_after_its_log_is_relayed_and_sbatch_was_given_the_job()
    {
        Slurm("JobId=5 JobState=COMPLETED Reason=None ExitCode=0:0 NodeList=n1", "[left] step 1/1\\n[left] finished\\n");
        Assert.Equal(0, Run());
        Assert.Equal(["[left] step 1/1", "[left] finished"], _lines);
        Assert.Empty(_errors);
        Assert.Contains("Stage 'left' submitted as Slurm job 5 (1 CPU, mem 40M)", _status[0]);
        Assert.Equal($"--parsable --job-name=soar-left --output={Log.Replace("%", "%%")} --open-mode=append --requeue --chdir=/project --cpus-per-task=1 --mem=40M /out/.slurm/left.sh",
            File.ReadAllText(Path.Combine(Bin, "sbatch.args")).Trim());
        Assert.False(File.Exists(JobFile));
    }

    [Fact]
    public void A_refused_submission_names_what_sbatch_said()
    {
        Command("sbatch", "echo 'sbatch: error: invalid partition specified: nope' >&2; exit 1");
        Assert.Equal(1, Run());
        var (code, message) = Assert.Single(_errors);
        Assert.Equal("SOAR1041", code);
        Assert.Contains("stage 'left': sbatch refused the job (sbatch: error: invalid partition specified: nope); check SlurmPartition", message);
    }

    [Fact]
    public void No_sbatch_says_where_to_build()
    {
        Directory.CreateDirectory(Bin);
        Assert.Equal(1, Run());
        var (code, message) = Assert.Single(_errors);
        Assert.Equal("SOAR1041", code);
        Assert.Contains("SoarExecutor=slurm, but sbatch could not be started", message);
    }

    [Fact]
    public void A_job_slurmstepd_killed_for_its_memory_is_out_of_memory_though_its_state_reads_failed()
    {
        Slurm("JobId=5 JobState=FAILED Reason=JobLaunchFailure ExitCode=0:9 NodeList=n1",
            "slurmstepd-n1: error: StepId=5.batch exceeded memory limit (51331072 > 41943040), being killed\\n");
        Assert.Equal(1, Run());
        var (code, message) = Assert.Single(_errors);
        Assert.Equal("SOAR1045", code);
        Assert.Contains("Slurm job 5 ran out of memory (--mem=40M)", message);
    }

    [Fact]
    public void A_job_that_neither_scontrol_nor_sacct_knows_fails_the_stage_naming_both_answers()
    {
        Slurm("");
        Command("scontrol", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1");
        Command("sacct", "echo 'Slurm accounting storage is disabled' >&2; exit 1");
        Assert.Equal(1, Run());
        var (code, message) = Assert.Single(_errors);
        Assert.Equal("SOAR1046", code);
        Assert.Contains("Slurm no longer reports job 5 (scontrol: slurm_load_jobs error: Invalid job id specified; sacct: Slurm accounting storage is disabled)", message);
    }

    [Fact]
    public void A_controller_that_does_not_answer_for_a_while_is_waited_for()
    {
        Slurm("JobId=5 JobState=COMPLETED Reason=None ExitCode=0:0");
        // Longer than ForgetAfter: not knowing the job is not the same as not answering.
        Command("scontrol", "n=$(cat \"$here/calls\" 2>/dev/null || echo 0); echo $((n+1)) > \"$here/calls\"; "
            + "if [ \"$n\" -lt 6 ]; then echo 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)' >&2; exit 1; fi; cat \"$here/state\"");
        Command("sacct", "echo 'Slurm accounting storage is disabled' >&2; exit 1");
        Assert.Equal(0, Run());
        Assert.Empty(_errors);
        Assert.Single(_status, s => s.Contains("Slurm does not answer about job 5 (scontrol: slurm_load_jobs error: Unable to contact slurm controller"));
    }

    [Fact]
    public void A_job_scontrol_has_forgotten_is_read_from_sacct()
    {
        Slurm("");
        Command("scontrol", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1");
        Command("sacct", "printf '5|TIMEOUT|0:0|n1|00:01:00\\n5.batch|CANCELLED|0:15|n1|\\n'");
        Assert.Equal(1, Run());
        Assert.Equal("SOAR1044", Assert.Single(_errors).Code);
    }

    [Fact]
    public void Cancelling_the_build_scancels_the_job_and_reports_no_error()
    {
        Slurm("JobId=5 JobState=RUNNING Reason=None ExitCode=0:0 NodeList=n1");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        Assert.Null(Run(cancel.Token));
        Assert.Equal("5", File.ReadAllText(Path.Combine(Bin, "scancelled")).Trim());
        Assert.Empty(_errors);
        Assert.Contains(_status, s => s.Contains("Slurm job 5 running on n1"));
    }

    [Fact]
    public void A_job_left_running_by_a_killed_build_is_cancelled_before_the_stage_is_submitted_again()
    {
        Slurm("JobId=3 JobState=RUNNING Reason=None ExitCode=0:0");
        File.WriteAllText(JobFile, "3\n");
        Command("sbatch", "echo 'JobId=5 JobState=COMPLETED Reason=None ExitCode=0:0' > \"$here/state\"; echo 5");
        Assert.Equal(0, Run());
        Assert.Equal("3", File.ReadAllText(Path.Combine(Bin, "scancelled")).Trim());
        Assert.Contains("cancelled Slurm job 3, left running by an earlier build that is gone", _status[0]);
    }

    public void Dispose() => _folder.Dispose();
}
