using System.Diagnostics;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>A killed build leaves nothing running, and a second build of the same project never touches the first's files.</summary>
[Collection(BuildCollection.Name)]
public sealed class KilledAndConcurrentBuildTests(ToolingFixture tooling)
{
    private const string LongStage = """<Stage Include="big" Kind="curate" Count="200000" />""";

    /// <summary>Starts `dotnet build` and returns once the long stage reports progress.</summary>
    private static Process StartLongBuild(SoarProject project)
    {
        var build = new Process { StartInfo = DotnetBuild.StartInfo(project.Dir, "build", project.ProjectPath, "-nologo", "-v:n", "-nodeReuse:false") };
        var started = new ManualResetEventSlim();
        build.OutputDataReceived += (_, e) => { if (e.Data?.Contains("[big] step") == true) started.Set(); };
        build.Start();
        build.BeginOutputReadLine();
        build.BeginErrorReadLine();
        Assert.True(started.Wait(TimeSpan.FromMinutes(3)), "the stage never reported progress");
        return build;
    }

    /// <summary>Live processes whose command line contains <paramref name="text"/> (zombies have none).</summary>
    private static List<int> ProcessesRunning(string text) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(int.Parse!)
            .Where(pid =>
            {
                try { return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(text); }
                catch (IOException) { return false; }
            }).ToList();

    private static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
    }

    /// <summary>False once the process has exited, reaped or not (a zombie waits for its new parent to reap it).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException) { return false; }
    }

    private static void WaitUntilGone(IReadOnlyList<int> pids, string what)
    {
        for (var i = 0; i < 600 && pids.Any(IsRunning); i++) Thread.Sleep(200);
        Assert.False(pids.Any(IsRunning), $"{what} kept running after its build was killed");
    }

    [Fact]
    public void Kill_9_of_dotnet_build_stops_its_task_host_and_worker_and_moves_nothing_into_place()
    {
        Assert.NotNull(tooling.SoarDll);
        using var project = new SoarProject(LongStage);
        using var build = StartLongBuild(project);
        var worker = Assert.Single(ProcessesRunning(Path.Combine(project.OutputRoot, ".specs", "big.json")));
        var taskHost = ParentOf(worker);
        Assert.NotEqual(build.Id, worker);

        build.Kill(entireProcessTree: false);  // what `kill -9 <dotnet build>` does: its children are not signalled
        build.WaitForExit();

        WaitUntilGone([worker, taskHost], "the worker or its task host");
        Assert.False(Directory.Exists(project.StageDir("big")));
        Assert.Empty(project.Leftovers());
        Assert.Contains("is gone", File.ReadAllText(Path.Combine(project.OutputRoot, ".logs", "big.log")));
    }

    [Fact]
    public void A_second_build_of_the_same_project_fails_naming_the_first_and_leaves_its_files_alone()
    {
        using var project = new SoarProject(LongStage);
        using (var first = StartLongBuild(project))
        {
            var live = Assert.Single(project.Leftovers());  // the first build's temp folder

            var second = project.Build();

            Assert.False(second.Succeeded);
            Assert.Contains("error SOAR1030: another build is using", second.Output);
            Assert.Contains($"pid {first.Id} on host {Environment.MachineName}", second.Output);
            Assert.Equal([live], project.Leftovers());
            first.Kill(entireProcessTree: true);
            first.WaitForExit();
        }

        // The killed build's lock names a process that is gone: the next build takes it over.
        project.Write("""<Stage Include="big" Kind="curate" Count="20" />""");
        var next = project.Build();
        Assert.True(next.Succeeded, next.ToString());
        Assert.Equal(["big"], next.Ran);
    }
}
