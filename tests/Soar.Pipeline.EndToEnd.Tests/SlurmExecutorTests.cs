using System.Diagnostics;
using System.Text.Json;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>
/// `-p:SoarExecutor=slurm` against a real Slurm (in CI the one-node cluster of .ci/slurm-up): the jobs' outputs equal a
/// local build's, a requeued job resumes from its checkpoint, a rebuild submits nothing, and each way a job can end
/// badly gives its own error at the stage's line.
/// </summary>
[Collection(BuildCollection.Name)]
[Trait("Category", "Slow")]
[TestCaseOrderer("Soar.Pipeline.EndToEnd.Tests.ByNameOrderer", "Soar.Pipeline.EndToEnd.Tests")]
public sealed class SlurmExecutorTests(ToolingFixture tooling, SlurmFailuresBuild failures) : IClassFixture<SlurmFailuresBuild>
{
    private const string Data = """<Stage Include="data" Kind="curate" Count="20" />""";
    // Long enough (30 steps, a checkpoint every 5) to be requeued mid-run.
    private const string Left = """<Stage Include="left" Kind="sft" Upstream="data" Steps="30" BatchSize="8" Threads="1" LogEvery="1" CheckpointEvery="5" />""";
    private const string Right = """<Stage Include="right" Kind="sft" Upstream="data" Steps="2" BatchSize="8" Threads="1" LogEvery="1" Seed="1" />""";
    private const string Eval = """<Stage Include="eval" Kind="eval" Upstream="left;right;data" Prompts="in_distribution" InDistributionPrompts="4" PromptsPerTask="1" SamplesPerPrompt="1" Steps="4" DriftSamples="0" FrechetSamples="0" />""";
    private static readonly string[] Slurm = ["-p:SoarExecutor=slurm", "-p:SoarParallel=2", "-m:2"];

    [SlurmFact]
    public void A_pipeline_of_Slurm_jobs_gives_a_local_builds_outputs_a_requeued_job_resumes_and_a_rebuild_submits_nothing()
    {
        Assert.NotNull(tooling.SoarDll);
        using var project = new SoarProject(Data, Left, Right, Eval);
        // The local reference first, into the same output root: eval's metrics name its models' folders by absolute path.
        // Threads=0 stages (eval) get one thread in a one-CPU job; locally SoarParallel=<cores> gives each one thread too.
        var local = project.Build($"-p:SoarParallel={Environment.ProcessorCount}", "-m:2");
        Assert.True(local.Succeeded, local.ToString());
        string[] stages = ["data", "left", "right", "eval"];
        var localHashes = stages.Select(s => ContentHash(project.Manifest(s))).ToList();
        Directory.Delete(project.OutputRoot, recursive: true);

        BuildResult viaSlurm;
        string leftJob;
        using (var running = new RunningBuild(project, Slurm))
        {
            leftJob = running.WaitFor(@"Stage 'left' submitted as Slurm job (\d+)").Groups[1].Value;
            running.WaitFor(@"\[left\] step 7/30");
            SlurmCli("scontrol", "requeue", leftJob);
            viaSlurm = running.Finish();
        }
        Assert.True(viaSlurm.Succeeded, viaSlurm.ToString());
        Assert.Contains($"Stage 'left': Slurm job {leftJob} was requeued (restart 1)", viaSlurm.Output);
        Assert.Matches(@"\[left\] resuming from .*\.resume.* at step (5|10)", viaSlurm.Output);
        Assert.Matches(@"Stage 'eval' submitted as Slurm job \d+ \(1 CPU\)", viaSlurm.Output);
        Assert.Contains("Soar stages: ran: data, left, right, eval; up to date: none; failed: none", viaSlurm.Output);
        Assert.Equal(stages.Zip(localHashes, (s, h) => $"{s} {h}"), stages.Select(s => $"{s} {ContentHash(project.Manifest(s))}"));
        Assert.NotEqual(ContentHash(project.Manifest("left")), ContentHash(project.Manifest("right")));

        var again = project.Build(Slurm);
        Assert.True(again.Succeeded, again.ToString());
        Assert.DoesNotContain("submitted as Slurm job", again.Output);
        Assert.Contains("Soar stages: ran: none; up to date: data, left, right, eval", again.Output);
    }

    /// <summary>Runs after the pipeline test (by name), while <see cref="SlurmFailuresBuild"/> waits out its time limit beside it.</summary>
    [SlurmFact]
    public void Failed_cancelled_out_of_memory_and_timed_out_jobs_each_give_their_own_error_and_move_nothing()
    {
        Assert.NotNull(tooling.SoarDll);
        var project = failures.Project;
        var result = failures.Finish();
        Assert.False(result.Succeeded);
        // On a mismatch the failure shows every error and Slurm line, not just the output's first characters.
        void Has(string pattern)
        {
            if (System.Text.RegularExpressions.Regex.IsMatch(result.Output, pattern)) return;
            var lines = result.Output.Split('\n').Where(l => l.Contains("error") || l.Contains("Slurm") || l.Contains("slurmstepd"));
            Assert.Fail($"pattern not found: {pattern}\nerror and Slurm lines of the build:\n{string.Join('\n', lines)}");
        }
        string At(int index) => $"{project.ProjectPath}({SoarProject.FirstStageLine + index}): error";
        Has($@"{Escaped(At(0))} SOAR1044: stage 'overtime': Slurm job \d+ reached its time limit \(00:01:00\) and was stopped; give it more with SlurmTime");
        Has($@"{Escaped(At(1))} SOAR1043: stage 'cancelled': Slurm job \d+ was cancelled \(scancel\)");
        Has($@"{Escaped(At(2))} SOAR1045: stage 'oom': Slurm job \d+ ran out of memory \(--mem=40M\)");
        Has(Escaped($"{At(3)} SOAR2001: stage 'failing': Source 'no-such-folder'"));
        Has($@"{Escaped(At(3))} SOAR1042: stage 'failing': Slurm job \d+ failed on \S+: the soar worker exited with code 1");
        // Slurm's own words, streamed from the job's log with the stage's prefix.
        Has(@"\[overtime\] slurmstepd\S*: error: \*\*\* JOB \d+ ON \S+ CANCELLED AT \S+ DUE TO TIME LIMIT \*\*\*");
        Has(@"\[cancelled\] slurmstepd\S*: error: \*\*\* JOB \d+ ON \S+ CANCELLED AT");
        Has(@"\[oom\] slurmstepd\S*: error: .*exceeded memory limit");
        Assert.Contains("Soar stages: ran: none; up to date: none; failed: overtime, cancelled, oom, failing", result.Output);
        foreach (var stage in new[] { "overtime", "cancelled", "oom", "failing" }) Assert.False(Directory.Exists(project.StageDir(stage)), stage);
        Assert.Empty(project.Leftovers());
    }

    private static string Escaped(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    internal static void SlurmCli(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var said = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)}: {said}");
    }

    private static string ContentHash(string manifest)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
        return doc.RootElement.GetProperty("contentHash").GetString()!;
    }
}
