using System.Text.RegularExpressions;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// One device of SoarDevices held by one running stage: an exclusive open (an flock on Unix) of
/// &lt;root&gt;/.devices/&lt;device&gt;.lock for as long as the stage runs. The kernel drops it when the holder exits, killed
/// or not, so two stages never share a device and a crashed one never keeps it.
/// </summary>
public sealed partial class DeviceLease : IDisposable
{
    /// <summary>The worker's environment variable naming its device (Soar.Core's ComputeDevice reads it).</summary>
    public const string Variable = "SOAR_DEVICE";
    public const string FolderName = ".devices";

    private readonly FileStream _lock;

    public string Device { get; }

    private DeviceLease(string device, FileStream held)
    {
        Device = device;
        _lock = held;
    }

    /// <summary>The devices of a SoarDevices value ("cuda:0;cuda:1"), or null and the reason.</summary>
    public static IReadOnlyList<string>? Parse(string text, out string? error)
    {
        var devices = text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(d => d.ToLowerInvariant()).ToList();
        error = devices.FirstOrDefault(d => !CudaDevice().IsMatch(d)) is { } bad ? $"'{bad}' is not a device; write cuda:<index>, e.g. SoarDevices=\"cuda:0;cuda:1\""
            : devices.GroupBy(d => d).FirstOrDefault(g => g.Count() > 1) is { } twice ? $"{twice.Key} is listed twice"
            : null;
        return error is null ? devices : null;
    }

    /// <summary>Whether a stage's Device value takes one of the listed devices: auto and cuda do, cpu does not.</summary>
    public static bool Wants(string device) => device.Equals("auto", StringComparison.OrdinalIgnoreCase) || device.Equals("cuda", StringComparison.OrdinalIgnoreCase);

    public static string LockPath(string outputRoot, string device) => Path.Combine(outputRoot, FolderName, device.Replace(':', '-') + ".lock");

    /// <summary>The first listed device nobody holds, now held by this lease; null when all are taken.</summary>
    public static DeviceLease? TryAcquire(string outputRoot, IReadOnlyList<string> devices, string holder)
    {
        Directory.CreateDirectory(Path.Combine(outputRoot, FolderName));
        foreach (var device in devices)
        {
            FileStream held;
            try { held = new FileStream(LockPath(outputRoot, device), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) { continue; }  // another running stage holds it
            // Who holds it (or held it last), for a person looking; the lock is the open file, not this text.
            held.SetLength(0);
            using (var writer = new StreamWriter(held, leaveOpen: true)) writer.WriteLine(holder);
            return new DeviceLease(device, held);
        }
        return null;
    }

    /// <summary>Waits until a listed device is free; null when <paramref name="cancellation"/> fires or <paramref name="stillWanted"/> turns false first.</summary>
    public static DeviceLease? Acquire(string outputRoot, IReadOnlyList<string> devices, string holder, CancellationToken cancellation, Func<bool> stillWanted)
    {
        while (true)
        {
            if (TryAcquire(outputRoot, devices, holder) is { } lease) return lease;
            if (cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250)) || !stillWanted()) return null;
        }
    }

    public void Dispose() => _lock.Dispose();

    [GeneratedRegex("^cuda:[0-9]+$")]
    private static partial Regex CudaDevice();
}
