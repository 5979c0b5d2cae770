using System.Runtime.InteropServices;
using Soar.Core.Stages;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>
/// Runs a command body and turns failures into exit codes and canonical MSBuild error lines
/// (`soar : error CODE: message`), which the build task shows as errors with their code.
/// </summary>
public static class CommandAction
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
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or ExternalException)
        {
            Error("SOAR2010", $"the native libtorch library failed to load ({e.GetBaseException().Message}); run `soar info` for the native library status and the fix");
            return 1;
        }
    }

    public static Task<int> Run(Func<int> body, CancellationToken cancellationToken) =>
        RunAsync(_ => Task.FromResult(body()), cancellationToken);

    public static void Error(string code, string message) => Console.Error.WriteLine($"soar : error {code}: {message}");
}
