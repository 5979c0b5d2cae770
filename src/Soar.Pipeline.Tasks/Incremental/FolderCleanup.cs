namespace Soar.Pipeline.Tasks;

/// <summary>
/// Cleanup that reports instead of throwing: a task whose `finally` throws loses its own result and error to MSBuild's
/// MSB4018 "task failed unexpectedly", and a folder left behind is removed by the next build anyway.
/// </summary>
public static class FolderCleanup
{
    /// <summary>Runs <paramref name="cleanUp"/>; null when it succeeded, else what went wrong.</summary>
    public static string? Try(Action cleanUp)
    {
        try
        {
            cleanUp();
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return e.Message; }
    }
}
