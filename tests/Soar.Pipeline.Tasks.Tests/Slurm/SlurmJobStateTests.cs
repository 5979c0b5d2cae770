using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Slurm;

public class SlurmJobStateTests
{
    // Abridged from `scontrol show job -o` of Slurm 22.05.
    private const string Scontrol = "JobId=4 JobName=soar-left UserId=root(0) GroupId=root(0) Priority=4294901757 JobState=TIMEOUT Reason=TimeLimit Dependency=(null) "
        + "Requeue=1 Restarts=1 BatchFlag=1 Reboot=0 ExitCode=143:0 RunTime=00:01:23 TimeLimit=00:01:00 TimeMin=N/A Partition=ci NodeList=vm "
        + "Command=/tmp/a b/left.sh WorkDir=/tmp/a b StdOut=/tmp/a b/left.log";

    [Fact]
    public void Scontrol_gives_state_reason_exit_code_node_restarts_and_time_limit()
    {
        var job = SlurmJobState.FromScontrol(Scontrol)!;
        Assert.Equal(new SlurmJobState("TIMEOUT", "TimeLimit", 143, 0, "vm", 1, "00:01:00"), job);
        Assert.True(job.IsTerminal);
        Assert.False(job.IsRunning);
        Assert.Null(SlurmJobState.FromScontrol("slurm_load_jobs error: Invalid job id specified"));
    }

    [Theory]
    [InlineData("PENDING", false)]
    [InlineData("RUNNING", false)]
    [InlineData("COMPLETING", false)]
    [InlineData("REQUEUED", false)]
    [InlineData("SUSPENDED", false)]
    [InlineData("COMPLETED", true)]
    [InlineData("OUT_OF_MEMORY", true)]
    [InlineData("NODE_FAIL", true)]
    public void A_job_runs_on_until_a_terminal_state(string state, bool terminal) =>
        Assert.Equal(terminal, SlurmJobState.FromScontrol($"JobId=1 JobState={state} Reason=None ExitCode=0:0")!.IsTerminal);

    [Fact]
    public void Sacct_gives_the_allocation_and_a_batch_step_out_of_memory_makes_the_job_out_of_memory()
    {
        const string Cancelled = "12|CANCELLED by 0|0:15|node1|01:00:00\n12.batch|CANCELLED|0:15|node1|\n";
        Assert.Equal(new SlurmJobState("CANCELLED", "", 0, 15, "node1", 0, "01:00:00"), SlurmJobState.FromSacct(Cancelled, "12"));
        const string Oom = "13|FAILED|0:125|node2|00:10:00\n13.batch|OUT_OF_MEMORY|0:125|node2|\n13.extern|COMPLETED|0:0|node2|\n";
        Assert.Equal("OUT_OF_MEMORY", SlurmJobState.FromSacct(Oom, "13")!.State);
        Assert.Null(SlurmJobState.FromSacct("", "14"));
    }

    [Theory]
    [InlineData("42\n", "42")]
    [InlineData("42;cluster-a\n", "42")]
    [InlineData("sbatch: warning: can't honor --ntasks-per-node\n43\n", "43")]
    [InlineData("Submitted batch job 44\n", null)]
    public void Sbatch_parsable_output_gives_the_job_id(string output, string? id) => Assert.Equal(id, SlurmJobState.ParseJobId(output));
}
