using System.Diagnostics;
using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Incremental;

public class OutputRootLockTests
{
    [Fact]
    public void A_live_build_holds_the_lock_and_the_second_is_told_its_pid_and_host()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        using var first = Process.Start("sleep", "60");
        var firstBuild = ProcessIdentity.Of(first.Id)!.Value;
        try
        {
            Assert.Null(OutputRootLock.Acquire(layout, firstBuild));
            Assert.Null(OutputRootLock.Acquire(layout, firstBuild));  // the holder may take it again

            var refused = OutputRootLock.Acquire(layout, ProcessIdentity.Current);

            Assert.NotNull(refused);
            Assert.Contains($"pid {first.Id} on host {Environment.MachineName} (sleep 60)", refused);
            Assert.Contains($"(kill {first.Id})", refused);
            Assert.True(OutputRootLock.IsHeldBy(layout, firstBuild));
        }
        finally
        {
            first.Kill();
            first.WaitForExit();
        }
    }

    [Fact]
    public void The_lock_of_a_build_that_is_gone_is_taken_over()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        using var killed = Process.Start("sleep", "60");
        var killedBuild = ProcessIdentity.Of(killed.Id)!.Value;
        Assert.Null(OutputRootLock.Acquire(layout, killedBuild));
        killed.Kill();
        killed.WaitForExit();

        Assert.Null(OutputRootLock.Acquire(layout, ProcessIdentity.Current));
        Assert.True(OutputRootLock.IsHeldBy(layout, ProcessIdentity.Current));
        Assert.False(OutputRootLock.IsHeldBy(layout, killedBuild));
    }

    [Fact]
    public void A_lock_held_on_another_host_is_never_presumed_dead()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        temp.File(OutputRootLock.FileName, "process=1:1\nhost=other-machine\ncommand=dotnet build x.soarproj\n");

        var refused = OutputRootLock.Acquire(layout, ProcessIdentity.Current);

        Assert.NotNull(refused);
        Assert.Contains("pid 1 on host other-machine (dotnet build x.soarproj)", refused);
        Assert.Contains($"if it is gone, delete {OutputRootLock.PathOf(layout)}", refused);
    }
}
