using NuGet.Common;

namespace Soar.Core.Packaging;

/// <summary>
/// Forwards NuGet's log and keeps its errors: some NuGet operations (push to an HTTP source that NuGet.config does not
/// allow, for one) log an error and return instead of throwing.
/// </summary>
public sealed class FeedErrorLog(ILogger inner) : LoggerBase
{
    private readonly List<string> _errors = new();

    public IReadOnlyList<string> Errors { get { lock (_errors) return _errors.ToList(); } }

    public override void Log(ILogMessage message)
    {
        if (message.Level >= LogLevel.Error) lock (_errors) _errors.Add(message.Message);
        inner.Log(message);
    }

    public override Task LogAsync(ILogMessage message)
    {
        Log(message);
        return Task.CompletedTask;
    }
}
