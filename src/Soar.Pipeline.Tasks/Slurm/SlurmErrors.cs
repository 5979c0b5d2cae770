namespace Soar.Pipeline.Tasks;

/// <summary>The codes of the Slurm executor (README lists them with the other SOAR1xxx codes).</summary>
public static class SlurmErrors
{
    /// <summary>SoarExecutor is not local or slurm, or a Slurm resource (SlurmTime, SlurmMem, ...) is malformed.</summary>
    public const string BadSetting = "SOAR1040";
    /// <summary>sbatch is missing or refused the job.</summary>
    public const string SubmitFailed = "SOAR1041";
    /// <summary>The job failed: the worker's exit code (or signal) and the job id are named.</summary>
    public const string JobFailed = "SOAR1042";
    /// <summary>The job was cancelled outside this build (scancel).</summary>
    public const string JobCancelled = "SOAR1043";
    /// <summary>The job reached its time limit.</summary>
    public const string JobTimedOut = "SOAR1044";
    /// <summary>The job ran out of memory.</summary>
    public const string JobOutOfMemory = "SOAR1045";
    /// <summary>The job ended otherwise (node failure, preempted without requeue, deadline) or Slurm lost track of it.</summary>
    public const string JobLost = "SOAR1046";
}
