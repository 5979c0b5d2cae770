using System.Diagnostics;
using Soar.Core.Stages;

namespace Soar.Core.Tests.Stages;

/// <summary>A worker started by a build stops once that build (or its task host) is gone.</summary>
public class BuildLeaseTests
{
    private static long StartTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19]);
    }

    [Fact]
    public void The_lease_cancels_the_run_when_a_holder_exits()
    {
        using var build = Process.Start("sleep", "60");
        var lease = BuildLease.Parse($"{build.Id}:{StartTicks(build.Id)};{Environment.ProcessId}:{StartTicks(Environment.ProcessId)}")!;
        Assert.Null(lease.FirstGone());
        int? reported = null;
        using var watch = lease.Start(CancellationToken.None, TimeSpan.FromMilliseconds(50), Timeout.InfiniteTimeSpan, pid => reported = pid);
        Assert.False(watch.Token.IsCancellationRequested);

        build.Kill();
        build.WaitForExit();

        Assert.True(watch.Token.WaitHandle.WaitOne(TimeSpan.FromMinutes(1)), "the lease never noticed its build was gone");
        Assert.Equal(build.Id, reported);
        Assert.Equal(build.Id, lease.FirstGone());
    }

    [Fact]
    public void A_reused_pid_does_not_hold_the_lease()
    {
        var lease = BuildLease.Parse($"{Environment.ProcessId}:{StartTicks(Environment.ProcessId) + 1}")!;
        Assert.Equal(Environment.ProcessId, lease.FirstGone());
    }

    [Fact]
    public void No_variable_means_no_lease_and_a_malformed_one_is_a_clear_error()
    {
        Assert.Null(BuildLease.Parse(null));
        Assert.Null(BuildLease.Parse(""));
        var e = Assert.Throws<StageException>(() => BuildLease.Parse("12345"));
        Assert.Equal("SOAR2015", e.Code);
        Assert.Contains("SOAR_BUILD_LEASE", e.Message);
    }
}
