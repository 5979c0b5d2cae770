using System.CommandLine;
using System.Runtime.InteropServices;
using Soar.Core.Stages;
using TorchSharp;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>`soar info`: versions, device, threads, native library status and stage kinds.</summary>
public static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show versions, the compute device, thread count, whether libtorch loads, and the stage kinds.");
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            Console.WriteLine($"soar            {ToolInfo.Version}");
            Console.WriteLine($".NET            {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
            Console.WriteLine($"OS              {RuntimeInformation.OSDescription}");
            Console.WriteLine($"TorchSharp      {typeof(torch).Assembly.GetName().Version}");
            Console.WriteLine($"cores           {Environment.ProcessorCount}");
            var nativeOk = PrintNative();
            var implemented = StageKindCatalog.Default.Kinds.Keys.Select(k => StageRegistry.Default.Contains(k) ? k : $"{k} (not implemented)");
            Console.WriteLine($"stage kinds     {string.Join(", ", implemented)}");
            return nativeOk ? 0 : 1;
        }, ct));
        return command;
    }

    private static bool PrintNative()
    {
        try
        {
            var version = torch.__version__;
            Console.WriteLine($"libtorch        {version} (loaded from {AppContext.BaseDirectory})");
            Console.WriteLine($"threads         {torch.get_num_threads()} (set SOAR stage parameter Threads to change)");
            Console.WriteLine($"CUDA            {(torch.cuda.is_available() ? $"available ({torch.cuda.device_count()} device(s))" : "not available; stages use the CPU")}");
            return true;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or ExternalException or NotSupportedException)
        {
            Console.WriteLine($"libtorch        FAILED to load: {e.GetBaseException().Message}");
            CommandAction.Error("SOAR2010",
                "libtorch did not load. Build soar from this repository (build/NativeLibraryFix.targets patches libLibTorchSharp.so so it " +
                "loads with Debian 12's libstdc++), and check that libtorch-cpu-linux-x64 restored its native files next to soar.dll " +
                $"({AppContext.BaseDirectory}); set LD_DEBUG=libs to see which library is missing.");
            return false;
        }
    }
}
