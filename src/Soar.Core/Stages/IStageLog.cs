namespace Soar.Core.Stages;

/// <summary>Where a stage reports progress. The worker prints these lines; the MSBuild task relays them to the build log.</summary>
public interface IStageLog
{
    void Info(string message);
    void Warning(string code, string message);
    /// <summary>Progress of a long loop: step of total, with named metrics (loss, images/s, ...).</summary>
    void Progress(int step, int total, IReadOnlyDictionary<string, double> metrics, TimeSpan? eta);
}

/// <summary>Writes progress as plain lines: "[sft] step 40/200 loss=0.1234 img/s=52.1 eta=00:01:12".</summary>
public sealed class ConsoleStageLog(string stageName, TextWriter? writer = null) : IStageLog
{
    private readonly TextWriter _out = writer ?? Console.Out;

    public void Info(string message) => Write($"[{stageName}] {message}");

    // Canonical MSBuild format so the build log shows it as a warning with its code.
    public void Warning(string code, string message) => Write($"soar : warning {code}: [{stageName}] {message}");

    public void Progress(int step, int total, IReadOnlyDictionary<string, double> metrics, TimeSpan? eta)
    {
        var parts = string.Join(" ", metrics.Select(kv => $"{kv.Key}={Format(kv.Value)}"));
        var etaText = eta is { } e ? $" eta={(int)e.TotalHours:00}:{e.Minutes:00}:{e.Seconds:00}" : "";
        Write($"[{stageName}] step {step}/{total} {parts}{etaText}");
    }

    private static string Format(double v) =>
        Math.Abs(v) >= 1000 || v == Math.Floor(v) ? v.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)
        : v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);

    private void Write(string line)
    {
        lock (_out) { _out.WriteLine(line); _out.Flush(); }
    }
}
