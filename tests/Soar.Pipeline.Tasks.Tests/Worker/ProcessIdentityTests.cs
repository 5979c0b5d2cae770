using System.Diagnostics;
using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Worker;

public class ProcessIdentityTests
{
    [Fact]
    public void A_running_process_is_alive_until_it_exits()
    {
        using var sleeper = Process.Start("sleep", "60");
        var identity = ProcessIdentity.Of(sleeper.Id);
        Assert.NotNull(identity);
        Assert.True(identity.Value.IsAlive);
        Assert.Equal(Environment.ProcessId, ProcessIdentity.ParentOf(sleeper.Id));
        Assert.Equal("sleep 60", ProcessIdentity.CommandLine(sleeper.Id));

        sleeper.Kill();
        sleeper.WaitForExit();
        Assert.False(identity.Value.IsAlive);
    }

    [Fact]
    public void A_pid_with_another_start_time_is_another_process()
    {
        var me = ProcessIdentity.Current;
        Assert.True(me.IsAlive);
        Assert.False((me with { StartTicks = me.StartTicks + 1 }).IsAlive);
    }

    [Fact]
    public void The_text_form_round_trips()
    {
        Assert.Equal(new ProcessIdentity(1234, 98765), ProcessIdentity.Parse(new ProcessIdentity(1234, 98765).ToString()));
        Assert.Null(ProcessIdentity.Parse("1234"));
        Assert.Null(ProcessIdentity.Parse("x:1"));
    }
}
