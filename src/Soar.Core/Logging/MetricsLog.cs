using System.Net;
using System.Text.Json;

namespace Soar.Core.Logging;

/// <summary>
/// Per-step scalar metrics, written twice: <c>metrics.jsonl</c> (one object per record:
/// <c>{"step", "wall_time", metric: value...}</c>, appended across resumed runs; non-finite values become null)
/// and a new TensorBoard event file per run in the same folder.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string JsonlFileName = "metrics.jsonl";
    public const string StepKey = "step";
    public const string WallTimeKey = "wall_time";

    private static int _fileCounter;
    private readonly FileStream _jsonl;
    private readonly TensorBoardEventWriter _events;

    public MetricsLog(string directory)
    {
        Directory.CreateDirectory(directory);
        JsonlPath = Path.Combine(directory, JsonlFileName);
        _jsonl = new FileStream(JsonlPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        EndTornLine();
        var now = DateTimeOffset.UtcNow;
        // TensorFlow's naming, plus a process-wide counter so two logs opened in one second do not collide.
        var name = $"events.out.tfevents.{now.ToUnixTimeSeconds()}.{Dns.GetHostName()}.{Environment.ProcessId}.{Interlocked.Increment(ref _fileCounter)}";
        _events = new TensorBoardEventWriter(Path.Combine(directory, name), WallTime(now));
    }

    public string JsonlPath { get; }

    public string EventsPath => _events.Path;

    /// <summary>An image for TensorBoard's Images tab (a PNG; colorspace RGB).</summary>
    public void RecordImage(long step, string tag, byte[] png, int width, int height) =>
        _events.WriteImage(step, WallTime(DateTimeOffset.UtcNow), tag, png, width, height);

    /// <summary>Records <paramref name="metrics"/> for <paramref name="step"/>, stamped with <paramref name="time"/> (default: now).</summary>
    public void Record(long step, IReadOnlyDictionary<string, double> metrics, DateTimeOffset? time = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        foreach (var name in metrics.Keys)
            if (name is StepKey or WallTimeKey || string.IsNullOrWhiteSpace(name))
                throw new ArgumentException($"Metric name '{name}' is reserved or empty; rename the metric.", nameof(metrics));
        var wallTime = WallTime(time ?? DateTimeOffset.UtcNow);

        using (var writer = new Utf8JsonWriter(_jsonl))
        {
            writer.WriteStartObject();
            writer.WriteNumber(StepKey, step);
            writer.WriteNumber(WallTimeKey, wallTime);
            foreach (var (name, value) in metrics)
            {
                // JSON has no NaN/Infinity; null keeps the line parseable (TensorBoard still gets the real value).
                if (double.IsFinite(value)) writer.WriteNumber(name, value);
                else writer.WriteNull(name);
            }
            writer.WriteEndObject();
        }
        _jsonl.WriteByte((byte)'\n');
        _jsonl.Flush();

        _events.WriteScalars(step, wallTime, metrics.Select(kv => KeyValuePair.Create(kv.Key, (float)kv.Value)));
    }

    public void Dispose()
    {
        _jsonl.Dispose();
        _events.Dispose();
    }

    private static double WallTime(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>A run that crashed mid-line leaves a torn last line; start the next record on a fresh line.</summary>
    private void EndTornLine()
    {
        if (_jsonl.Length > 0)
        {
            _jsonl.Seek(-1, SeekOrigin.End);
            var last = _jsonl.ReadByte();
            if (last != '\n') _jsonl.WriteByte((byte)'\n');
        }
        _jsonl.Seek(0, SeekOrigin.End);
    }
}
