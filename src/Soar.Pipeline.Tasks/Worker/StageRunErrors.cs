namespace Soar.Pipeline.Tasks;

/// <summary>The codes of running stages safely (README lists them with the SOAR1xxx codes of PipelineErrors).</summary>
public static class StageRunErrors
{
    /// <summary>Another live build holds the output root's lock.</summary>
    public const string OutputRootLocked = "SOAR1030";
    /// <summary>The final move was refused: the declaration, an upstream or the lock changed while the stage ran.</summary>
    public const string StaleRun = "SOAR1031";
    /// <summary>The build that started the stage is gone; the worker was stopped and nothing moved into place.</summary>
    public const string BuildGone = "SOAR1032";
    /// <summary>Warning: a temp folder could not be removed (the next build removes it).</summary>
    public const string CleanupFailed = "SOAR1033";
}
