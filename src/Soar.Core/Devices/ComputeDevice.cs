using Soar.Core.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Devices;

/// <summary>
/// Resolves the Device parameter (auto|cpu|cuda) and the CPU thread count for libtorch. A build running stages side by
/// side (SoarParallel, SoarDevices) tells the worker its share in the environment, never in a parameter, so the
/// fingerprint does not change: $SOAR_DEVICE is the CUDA device it leased, $SOAR_AUTO_THREADS what Threads=0 means.
/// </summary>
public static class ComputeDevice
{
    public const string DeviceVariable = "SOAR_DEVICE";
    public const string AutoThreadsVariable = "SOAR_AUTO_THREADS";

    /// <summary>The device for <paramref name="name"/> on this machine: auto is CUDA when libtorch sees a GPU (the leased one, if any).</summary>
    public static Device Resolve(string name) =>
        Choose(name, cuda.is_available()) != DeviceType.CUDA ? CPU
        : LeasedCudaIndex() is { } index ? device(DeviceType.CUDA, index) : CUDA;

    /// <summary>The index of the CUDA device the build leased this worker ($SOAR_DEVICE=cuda:N), or null.</summary>
    public static int? LeasedCudaIndex() => ParseCudaIndex(Environment.GetEnvironmentVariable(DeviceVariable));

    public static int? ParseCudaIndex(string? value) =>
        value is { } v && v.StartsWith("cuda:", StringComparison.OrdinalIgnoreCase)
        && int.TryParse(v.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : null;

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

    /// <summary>Sets libtorch's intra-op threads (0 = one per core, or the build's share) and returns the number in force.</summary>
    public static int ConfigureThreads(int requested)
    {
        int threads = requested > 0 ? requested : AutoThreads();
        set_num_threads(threads);
        return get_num_threads();
    }

    /// <summary>What Threads=0 means here: $SOAR_AUTO_THREADS when a build running stages side by side set it, else one per core.</summary>
    public static int AutoThreads() =>
        int.TryParse(Environment.GetEnvironmentVariable(AutoThreadsVariable), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var share) && share > 0
            ? share : Environment.ProcessorCount;
}
