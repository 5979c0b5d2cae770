namespace Soar.Core.Stages;

/// <summary>A user-facing stage failure with a stable error code (SOARxxxx) and a message that says what to do.</summary>
public sealed class StageException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}
