using Soar.Core.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Devices;

/// <summary>Resolves the Device parameter (auto|cpu|cuda) and the CPU thread count for libtorch.</summary>
public static class ComputeDevice
{
    /// <summary>The device for <paramref name="name"/> on this machine: auto is CUDA when libtorch sees a GPU.</summary>
    public static Device Resolve(string name) => Choose(name, cuda.is_available()) == DeviceType.CUDA ? CUDA : CPU;

    /// <summary>
    /// The device type for <paramref name="name"/> given whether CUDA is present (never with the CPU libtorch); a type,
    /// not a <see cref="Device"/>, because making a CUDA device initialises CUDA.
    /// </summary>
    public static DeviceType Choose(string name, bool cudaAvailable)
    {
        switch (name.ToLowerInvariant())
        {
            case "cpu":
                return DeviceType.CPU;
            case "auto":
                return cudaAvailable ? DeviceType.CUDA : DeviceType.CPU;
            case "cuda":
                if (!cudaAvailable)
                    throw new StageException("SOAR2301", "Device=cuda was asked for but libtorch sees no CUDA device: the default build links the CPU libtorch (libtorch-cpu-linux-x64); on a GPU machine build with -p:SoarBackend=cuda (libtorch-cuda-12.8-linux-x64), or use Device=auto|cpu.");
                return DeviceType.CUDA;
            default:
                throw new StageException("SOAR2301", $"unknown device '{name}'; use auto, cpu or cuda");
        }
    }

    /// <summary>Sets libtorch's intra-op threads (0 = one per core) and returns the number in force.</summary>
    public static int ConfigureThreads(int requested)
    {
        int threads = requested > 0 ? requested : Environment.ProcessorCount;
        set_num_threads(threads);
        return get_num_threads();
    }
}
