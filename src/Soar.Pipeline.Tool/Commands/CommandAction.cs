using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Soar.Core.Stages;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>
/// Runs a command body and turns failures into exit codes and canonical MSBuild error lines
/// (`soar : error CODE: message`), which the build task shows as errors with their code.
/// Native failures are told apart: SOAR2010 the libtorch library did not load, SOAR2011 memory could not be
/// allocated (how much, and by which operation), SOAR2012 any other error libtorch reported.
/// </summary>
public static partial class CommandAction
{
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Error("SOAR0130", "cancelled (Ctrl+C); nothing was moved into place");
            return Cancelled;
        }
        catch (StageException e)
        {
            Error(e.Code, e.Message);
            return 1;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Error("SOAR2000", e.Message);
            return 1;
        }
        catch (Exception e) when (IsLoadFailure(e))
        {
            Error("SOAR2010", $"the native libtorch library failed to load ({e.GetBaseException().Message}); run `soar info` for the native library status and the fix");
            return 1;
        }
        catch (Exception e) when (AllocationFailure(e) is { } asked)
        {
            Error("SOAR2011", $"out of memory: {asked} could not be allocated{Where(e)} ({FirstLine(e.Message)}); " +
                "the model, BatchSize or image size needs more memory than this machine has free: lower BatchSize or raise GradAccumulation, use a smaller Preset or ImageSize, or free memory");
            return 1;
        }
        catch (ExternalException e)
        {
            Error("SOAR2012", $"libtorch reported an error{Where(e)}: {FirstLine(e.Message)}");
            return 1;
        }
    }

    public static Task<int> Run(Func<int> body, CancellationToken cancellationToken) =>
        RunAsync(_ => Task.FromResult(body()), cancellationToken);

    public static void Error(string code, string message) => Console.Error.WriteLine($"soar : error {code}: {message}");

    // Only a missing or unloadable native library (or TorchSharp's own start-up failing on it) is a load failure.
    private static bool IsLoadFailure(Exception e) => e switch
    {
        DllNotFoundException or EntryPointNotFoundException or BadImageFormatException => true,
        TypeInitializationException t => t.TypeName?.StartsWith("TorchSharp", StringComparison.Ordinal) == true || (t.InnerException is { } inner && IsLoadFailure(inner)),
        _ => false,
    };

    /// <summary>"4000000000000 bytes (4000 GB)" when <paramref name="e"/> is an allocation failure, else null.</summary>
    private static string? AllocationFailure(Exception e)
    {
        if (e is OutOfMemoryException) return "managed memory";
        if (e is not ExternalException) return null;
        if (CpuAllocation().Match(e.Message) is { Success: true } cpu && long.TryParse(cpu.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes))
            return $"{bytes} bytes ({(bytes / 1e9).ToString("0.###", CultureInfo.InvariantCulture)} GB)";
        if (CudaAllocation().Match(e.Message) is { Success: true } cuda) return $"{cuda.Groups[1].Value} of GPU memory";
        return e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase)
            ? "memory" : null;
    }

    // The operation that asked: the innermost Soar frame of the managed stack, e.g. "Soar.Core.Models.FlowDiT..ctor".
    private static string Where(Exception e)
    {
        var frame = new System.Diagnostics.StackTrace(e, false).GetFrames()
            .Select(f => f.GetMethod())
            .FirstOrDefault(m => m?.DeclaringType?.FullName?.StartsWith("Soar.", StringComparison.Ordinal) == true && m.DeclaringType != typeof(CommandAction));
        return frame is null ? "" : $" in {frame.DeclaringType!.FullName!.Split('+')[0]}.{frame.Name}";
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    [GeneratedRegex(@"tried to allocate (\d+) bytes", RegexOptions.IgnoreCase)]
    private static partial Regex CpuAllocation();

    [GeneratedRegex(@"Tried to allocate ([\d.]+ [KMGT]i?B)")]
    private static partial Regex CudaAllocation();
}
