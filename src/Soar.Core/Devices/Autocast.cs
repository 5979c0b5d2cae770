using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Devices;

/// <summary>
/// libtorch's own automatic mixed precision (what PyTorch's <c>torch.autocast</c> switches), bound directly because
/// TorchSharp 0.107 does not expose it. Inside a scope, ops on autocast's lower-precision list (matmul, linear, conv,
/// bmm, ...) run in bf16 while its fp32 list (norms, softmax, losses, reductions) stays fp32; parameters and optimizer
/// state stay fp32 and autograd casts the gradients back. The state is per thread, as in PyTorch.
/// </summary>
public static unsafe class Autocast
{
    // c10::DeviceType and c10::ScalarType values (c10/core/DeviceType.h, ScalarType.h).
    private const sbyte CpuDevice = 0, CudaDevice = 1;
    private const sbyte BFloat16 = 15;

    private static readonly Lazy<Entry> Entries = new(Bind);

    /// <summary>Enters an autocast region for <paramref name="precision"/> on <paramref name="device"/>; fp32: a scope that does nothing.</summary>
    public static IDisposable Enter(Precision precision, Device device)
    {
        if (precision == Precision.Fp32) return NoScope.Instance;
        var e = Entries.Value;
        sbyte type = device.type == DeviceType.CUDA ? CudaDevice : CpuDevice;
        bool wasEnabled = e.IsEnabled(type) != 0;
        sbyte previousType = e.GetDtype(type);
        e.SetDtype(type, BFloat16);
        e.SetEnabled(type, 1);
        e.IncrementNesting();
        return new Scope(e, type, wasEnabled, previousType);
    }

    /// <summary>Switches autocast off until disposed, if it is on (a backward pass started inside a forward region).</summary>
    public static IDisposable Suspend(Device device)
    {
        // Never bound means never entered: nothing to switch off (and fp32 runs never need libtorch's entry points).
        if (!Entries.IsValueCreated || !IsEnabled(device)) return NoScope.Instance;
        var e = Entries.Value;
        sbyte type = device.type == DeviceType.CUDA ? CudaDevice : CpuDevice;
        e.SetEnabled(type, 0);
        return new Resume(e, type);
    }

    private sealed class Resume(Entry e, sbyte type) : IDisposable
    {
        public void Dispose() => e.SetEnabled(type, 1);
    }

    /// <summary>Whether autocast is on for the device on this thread, without binding libtorch's entry points when no region was ever entered.</summary>
    public static bool IsActive(Device device) => Entries.IsValueCreated && IsEnabled(device);

    /// <summary>Whether autocast is on for the device on this thread (tests and diagnostics).</summary>
    public static bool IsEnabled(Device device) => Entries.Value.IsEnabled(device.type == DeviceType.CUDA ? CudaDevice : CpuDevice) != 0;

    private sealed class Scope(Entry e, sbyte type, bool wasEnabled, sbyte previousType) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            // As torch.autocast's __exit__: the weight-cast cache lives until the outermost region ends.
            if (e.DecrementNesting() == 0) e.ClearCache();
            e.SetEnabled(type, (byte)(wasEnabled ? 1 : 0));
            e.SetDtype(type, previousType);
        }
    }

    private sealed class NoScope : IDisposable
    {
        public static readonly NoScope Instance = new();
        public void Dispose() { }
    }

    private sealed class Entry
    {
        public delegate* unmanaged<sbyte, byte, void> SetEnabledPtr;
        public delegate* unmanaged<sbyte, byte> IsEnabledPtr;
        public delegate* unmanaged<sbyte, sbyte, void> SetDtypePtr;
        public delegate* unmanaged<sbyte, sbyte> GetDtypePtr;
        public delegate* unmanaged<int> IncrementNestingPtr;
        public delegate* unmanaged<int> DecrementNestingPtr;
        public delegate* unmanaged<void> ClearCachePtr;

        public void SetEnabled(sbyte type, byte on) => SetEnabledPtr(type, on);
        public byte IsEnabled(sbyte type) => IsEnabledPtr(type);
        public void SetDtype(sbyte type, sbyte dtype) => SetDtypePtr(type, dtype);
        public sbyte GetDtype(sbyte type) => GetDtypePtr(type);
        public int IncrementNesting() => IncrementNestingPtr();
        public int DecrementNesting() => DecrementNestingPtr();
        public void ClearCache() => ClearCachePtr();
    }

    private static Entry Bind()
    {
        // Any TorchSharp call loads libtorch; the handle below is then the already-loaded library.
        _ = get_num_threads();
        string[] names = OperatingSystem.IsWindows() ? ["torch_cpu.dll"] : OperatingSystem.IsMacOS() ? ["libtorch_cpu.dylib"] : ["libtorch_cpu.so"];
        IntPtr handle = IntPtr.Zero;
        foreach (var name in names)
            if (NativeLibrary.TryLoad(name, typeof(TorchSharp.torch).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.AssemblyDirectory, out handle)) break;
        if (handle == IntPtr.Zero)
            throw new PlatformNotSupportedException($"Precision=bf16 needs libtorch's autocast, but {names[0]} could not be opened; use Precision=fp32");
        IntPtr Export(string symbol, string what) =>
            NativeLibrary.TryGetExport(handle, symbol, out var address) ? address
                : throw new PlatformNotSupportedException($"Precision=bf16 needs libtorch's {what} ({symbol}), which this libtorch does not export (this build pins libtorch 2.10); use Precision=fp32");
        // Itanium C++ ABI names of at::autocast's functions (aten/src/ATen/autocast_mode.h); enums pass as int8.
        return new Entry
        {
            SetEnabledPtr = (delegate* unmanaged<sbyte, byte, void>)Export("_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb", "set_autocast_enabled"),
            IsEnabledPtr = (delegate* unmanaged<sbyte, byte>)Export("_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE", "is_autocast_enabled"),
            SetDtypePtr = (delegate* unmanaged<sbyte, sbyte, void>)Export("_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE", "set_autocast_dtype"),
            GetDtypePtr = (delegate* unmanaged<sbyte, sbyte>)Export("_ZN2at8autocast18get_autocast_dtypeEN3c1010DeviceTypeE", "get_autocast_dtype"),
            IncrementNestingPtr = (delegate* unmanaged<int>)Export("_ZN2at8autocast17increment_nestingEv", "increment_nesting"),
            DecrementNestingPtr = (delegate* unmanaged<int>)Export("_ZN2at8autocast17decrement_nestingEv", "decrement_nesting"),
            ClearCachePtr = (delegate* unmanaged<void>)Export("_ZN2at8autocast11clear_cacheEv", "clear_cache"),
        };
    }
}
