namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>
/// The build of SlurmExecutorTests' failing jobs, started with the class: Slurm enforces a time limit in whole minutes
/// and checks it every 30 s, so the timed-out job (20 million rows, far more than a minute's work anywhere) takes
/// 60-90 s, spent beside the pipeline test instead of after it. Once its tooling is built (no two builds build it at
/// once), the 'cancelled' job is scancelled as soon as it runs, so it frees its CPU for the pipeline's jobs.
/// </summary>
public sealed class SlurmFailuresBuild : IDisposable
{
    private readonly RunningBuild? _build;
    private BuildResult? _result;

    // Each failing stage runs long (a 20M-image curate) so that it is still running when its limit is enforced: Slurm
    // polls memory once a second, and a short job can finish between two polls.
    internal SoarProject Project { get; } = new(
        """<Stage Include="overtime" Kind="curate" Count="20000000" SlurmTime="1" />""",
        """<Stage Include="cancelled" Kind="curate" Count="20000000" />""",
        """<Stage Include="oom" Kind="curate" Count="20000000" SlurmMem="40M" />""",
        """<Stage Include="failing" Kind="curate" Source="no-such-folder" />""");

    public SlurmFailuresBuild(ToolingFixture tooling)
    {
        if (new SlurmFactAttribute().Skip is not null) return;  // no Slurm here: the tests say why they skip
        _ = tooling.SoarDll;
        _build = new RunningBuild(Project, "-p:SoarExecutor=slurm", "-p:SoarParallel=4", "-m:4");
        var cancelled = _build.WaitFor(@"Stage 'cancelled': Slurm job (\d+) running").Groups[1].Value;
        SlurmExecutorTests.SlurmCli("scancel", cancelled);
    }

    internal BuildResult Finish() => _result ??= _build?.Finish() ?? throw new InvalidOperationException("the failing jobs' build was not started");

    public void Dispose()
    {
        _build?.Dispose();
        Project.Dispose();
    }
}
