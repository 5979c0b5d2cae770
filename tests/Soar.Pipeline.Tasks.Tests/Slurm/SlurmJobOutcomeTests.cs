using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Slurm;

public class SlurmJobOutcomeTests
{
    private static readonly SlurmResources Asked = new("", 1, "", "4G", "10", []);

    private static (string Code, string Message)? Of(string state, int exit = 0, int signal = 0, bool memoryKilled = false) =>
        SlurmJobOutcome.Of("left", "77", new SlurmJobState(state, "None", exit, signal, "node3", 0, "00:10:00"), Asked, memoryKilled, "/out/.logs/left.log");

    [Fact]
    public void Completed_with_exit_code_zero_is_success() => Assert.Null(Of("COMPLETED"));

    [Theory]
    [InlineData("FAILED", 1, 0, false, "SOAR1042", "stage 'left': Slurm job 77 failed on node3: the soar worker exited with code 1")]
    [InlineData("FAILED", 0, 9, false, "SOAR1042", "Slurm job 77 failed on node3: the job was killed by signal 9")]
    [InlineData("CANCELLED", 0, 15, false, "SOAR1043", "stage 'left': Slurm job 77 was cancelled (scancel)")]
    [InlineData("TIMEOUT", 143, 0, false, "SOAR1044", "stage 'left': Slurm job 77 reached its time limit (00:10:00)")]
    [InlineData("OUT_OF_MEMORY", 0, 125, false, "SOAR1045", "stage 'left': Slurm job 77 ran out of memory (--mem=4G)")]
    [InlineData("FAILED", 0, 9, true, "SOAR1045", "ran out of memory")]
    [InlineData("CANCELLED", 0, 9, true, "SOAR1045", "ran out of memory")]
    [InlineData("NODE_FAIL", 0, 0, false, "SOAR1046", "Slurm job 77 ended NODE_FAIL: its node node3 failed")]
    [InlineData("PREEMPTED", 0, 0, false, "SOAR1046", "was preempted and not requeued")]
    [InlineData("DEADLINE", 0, 0, false, "SOAR1046", "Slurm job 77 ended DEADLINE without finishing")]
    public void Each_end_gives_its_own_error_naming_the_stage_and_the_job(string state, int exit, int signal, bool memoryKilled, string code, string message)
    {
        var failure = Of(state, exit, signal, memoryKilled)!.Value;
        Assert.Equal(code, failure.Code);
        Assert.Contains(message, failure.Message);
        Assert.EndsWith("the job's log: /out/.logs/left.log", failure.Message);
    }

    [Fact]
    public void A_time_limit_or_memory_error_says_what_to_raise()
    {
        Assert.Contains("SlurmTime on the <Stage> or -p:SoarSlurmTime", Of("TIMEOUT")!.Value.Message);
        Assert.Contains("SlurmMem on the <Stage> or -p:SoarSlurmMem", Of("OUT_OF_MEMORY")!.Value.Message);
    }

    [Theory]
    [InlineData("slurmstepd-vm: error: StepId=8.batch exceeded memory limit (51331072 > 41943040), being killed", true)]
    [InlineData("slurmstepd: error: Exceeded job memory limit", true)]
    [InlineData("slurmstepd: error: Detected 1 oom_kill event in StepId=5.batch. Some of the step tasks have been OOM Killed.", true)]
    [InlineData("[left] step 3/10 exceeded memory limit", false)]
    [InlineData("slurmstepd: error: *** JOB 9 ON vm CANCELLED AT 2026-12-02T18:10:40 ***", false)]
    public void Only_slurmstepd_saying_so_counts_as_a_memory_kill(string line, bool kill) => Assert.Equal(kill, SlurmJobOutcome.IsMemoryKill(line));
}
