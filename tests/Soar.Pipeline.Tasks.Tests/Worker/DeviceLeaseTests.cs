using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Worker;

public class DeviceLeaseTests
{
    [Fact]
    public void SoarDevices_lists_cuda_devices_by_index()
    {
        Assert.Equal(["cuda:0", "cuda:1"], DeviceLease.Parse(" cuda:0 ; CUDA:1;", out var error));
        Assert.Null(error);
        Assert.Empty(DeviceLease.Parse("", out _)!);
    }

    [Theory]
    [InlineData("cuda", "'cuda' is not a device")]
    [InlineData("cuda:0;gpu1", "'gpu1' is not a device")]
    [InlineData("cuda:0;cuda:0", "cuda:0 is listed twice")]
    public void A_bad_SoarDevices_entry_is_named(string text, string expected)
    {
        Assert.Null(DeviceLease.Parse(text, out var error));
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("auto", true)]
    [InlineData("cuda", true)]
    [InlineData("CUDA", true)]
    [InlineData("cpu", false)]
    public void Auto_and_cuda_stages_take_a_device_cpu_ones_do_not(string device, bool wants) => Assert.Equal(wants, DeviceLease.Wants(device));

    [Fact]
    public void Each_running_stage_holds_a_different_device_until_it_lets_go()
    {
        using var root = new TempFolder();
        string[] devices = ["cuda:0", "cuda:1"];
        var first = DeviceLease.TryAcquire(root.Path, devices, "stage=a");
        var second = DeviceLease.TryAcquire(root.Path, devices, "stage=b");
        Assert.Equal("cuda:0", first?.Device);
        Assert.Equal("cuda:1", second?.Device);
        Assert.Null(DeviceLease.TryAcquire(root.Path, devices, "stage=c"));

        first!.Dispose();
        using var third = DeviceLease.TryAcquire(root.Path, devices, "stage=c");
        Assert.Equal("cuda:0", third?.Device);
        second!.Dispose();
        // The text names the last holder, for a person looking; the open file is the lock.
        Assert.Contains("stage=b", File.ReadAllText(DeviceLease.LockPath(root.Path, "cuda:1")));
    }

    [Fact]
    public void Waiting_for_a_device_ends_when_the_build_is_cancelled()
    {
        using var root = new TempFolder();
        using var held = DeviceLease.TryAcquire(root.Path, ["cuda:0"], "stage=a");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        Assert.Null(DeviceLease.Acquire(root.Path, ["cuda:0"], "stage=b", cancel.Token, () => true));
        Assert.Null(DeviceLease.Acquire(root.Path, ["cuda:0"], "stage=b", CancellationToken.None, () => false));
    }
}
