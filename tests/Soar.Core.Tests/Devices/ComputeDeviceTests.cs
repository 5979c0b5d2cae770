using Soar.Core.Devices;
using Soar.Core.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Devices;

public sealed class ComputeDeviceTests
{
    [Theory]
    [InlineData("auto", true, DeviceType.CUDA)]
    [InlineData("auto", false, DeviceType.CPU)]
    [InlineData("AUTO", true, DeviceType.CUDA)]
    [InlineData("cpu", true, DeviceType.CPU)]
    [InlineData("cuda", true, DeviceType.CUDA)]
    public void Auto_picks_cuda_exactly_when_it_is_present(string name, bool cudaAvailable, DeviceType expected) =>
        Assert.Equal(expected, ComputeDevice.Choose(name, cudaAvailable));

    [Theory]
    [InlineData("cuda:1", 1)]
    [InlineData("CUDA:0", 0)]
    [InlineData("cuda", null)]
    [InlineData("cuda:-1", null)]
    [InlineData(null, null)]
    public void The_leased_device_is_read_as_a_cuda_index(string? leased, int? expected) =>
        Assert.Equal(expected, ComputeDevice.ParseCudaIndex(leased));

    [Fact]
    public void Auto_on_this_machine_follows_what_libtorch_sees() =>
        Assert.Equal(cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, ComputeDevice.Resolve("auto").type);

    [Fact]
    public void Cuda_without_a_gpu_names_the_backend_switch()
    {
        var e = Assert.Throws<StageException>(() => ComputeDevice.Choose("cuda", cudaAvailable: false));
        Assert.Equal("SOAR2301", e.Code);
        Assert.Contains("-p:SoarBackend=cuda", e.Message);
        Assert.Contains("Device=auto|cpu", e.Message);
    }

    [Fact]
    public void Unknown_device_is_refused_with_the_choices()
    {
        var e = Assert.Throws<StageException>(() => ComputeDevice.Choose("tpu", cudaAvailable: true));
        Assert.Equal("SOAR2301", e.Code);
        Assert.Contains("use auto, cpu or cuda", e.Message);
    }
}
