using Soar.Core.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Devices;

/// <summary>Resolves the Device parameter (auto|cpu|cuda) and the CPU thread count for libtorch.</summary>
public static class ComputeDevice
{
    public static Device Resolve(string name)
    {
        switch (name.ToLowerInvariant())
        {
            case "cpu":
                return CPU;
            case "auto":
                return cuda.is_available() ? CUDA : CPU;
            case "cuda":
                if (!cuda.is_available())
                    throw new StageException("SOAR2301", "Device=cuda was asked for but CUDA is not available: this build uses the CPU libtorch (libtorch-cpu-linux-x64). Reference a CUDA libtorch package on a GPU machine, or use Device=auto|cpu.");
                return CUDA;
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
