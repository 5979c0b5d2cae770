namespace Soar.Pipeline.Tasks;

/// <summary>
/// The CPU threads a worker gives a stage with Threads=0 (auto) when SoarParallel runs N stages at once: an equal share
/// of the cores, so N stages never oversubscribe them. Passed in the environment, not as a parameter, so it joins no
/// fingerprint; the manifest's run section records the threads used.
/// </summary>
public static class WorkerThreads
{
    /// <summary>The worker's environment variable (Soar.Core's ComputeDevice reads it).</summary>
    public const string Variable = "SOAR_AUTO_THREADS";

    /// <summary>Threads for auto with <paramref name="parallel"/> stages at once; null when stages run one at a time (all cores, as before).</summary>
    public static int? ForAuto(int parallel, int cores) => parallel > 1 ? Math.Max(1, cores / parallel) : null;
}
