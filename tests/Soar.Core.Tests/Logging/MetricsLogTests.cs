using System.Text;
using System.Text.Json;
using Soar.Core.Logging;

namespace Soar.Core.Tests.Logging;

public sealed class MetricsLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("soar-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheIndependentCrc32CMatchesTheStandardCheckValue()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void WritesJsonlAndAValidTensorBoardEventFile()
    {
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250);
        string eventsPath;
        using (var log = new MetricsLog(_dir))
        {
            eventsPath = log.EventsPath;
            log.Record(1, new Dictionary<string, double> { ["train/loss"] = 0.75, ["lr"] = 1e-4 }, t0);
            log.Record(2, new Dictionary<string, double> { ["train/loss"] = double.NaN }, t0.AddSeconds(1.5));
            log.Record(3_000_000_000L, new Dictionary<string, double> { ["train/loss"] = 0.5 }, t0.AddSeconds(3));
        }

        var lines = File.ReadAllLines(Path.Combine(_dir, MetricsLog.JsonlFileName));
        Assert.Equal(3, lines.Length);
        using (var first = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal(1, first.RootElement.GetProperty("step").GetInt64());
            Assert.Equal(1_700_000_000.25, first.RootElement.GetProperty("wall_time").GetDouble());
            Assert.Equal(0.75, first.RootElement.GetProperty("train/loss").GetDouble());
            Assert.Equal(1e-4, first.RootElement.GetProperty("lr").GetDouble());
        }
        using (var second = JsonDocument.Parse(lines[1]))
            Assert.Equal(JsonValueKind.Null, second.RootElement.GetProperty("train/loss").ValueKind);

        Assert.StartsWith("events.out.tfevents.", Path.GetFileName(eventsPath));
        var events = TfRecordReader.ReadAll(eventsPath).Select(DecodedEvent.Parse).ToList();
        Assert.Equal(4, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        Assert.InRange(events[0].WallTime, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
        Assert.Equal(new[] { 1L, 2L, 3_000_000_000L }, events.Skip(1).Select(e => e.Step));
        Assert.Equal(new[] { 1_700_000_000.25, 1_700_000_001.75, 1_700_000_003.25 }, events.Skip(1).Select(e => e.WallTime));
        Assert.Equal([KeyValuePair.Create("train/loss", 0.75f), KeyValuePair.Create("lr", 1e-4f)], events[1].Scalars);
        Assert.True(float.IsNaN(Assert.Single(events[2].Scalars).Value));
        Assert.Equal(0.5f, Assert.Single(events[3].Scalars).Value);
    }

    [Fact]
    public void TheRecordReaderRejectsACorruptedEventFile()
    {
        string path;
        using (var log = new MetricsLog(_dir))
        {
            path = log.EventsPath;
            log.Record(1, new Dictionary<string, double> { ["loss"] = 1 });
        }
        var bytes = File.ReadAllBytes(path);
        bytes[^6] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("data CRC mismatch", Assert.Throws<InvalidDataException>(() => TfRecordReader.ReadAll(path)).Message);
    }

    [Fact]
    public void AResumedRunAppendsToJsonlAfterATornLineAndStartsANewEventFile()
    {
        string firstEvents;
        using (var log = new MetricsLog(_dir))
        {
            firstEvents = log.EventsPath;
            log.Record(1, new Dictionary<string, double> { ["loss"] = 1 });
        }
        File.AppendAllText(Path.Combine(_dir, MetricsLog.JsonlFileName), "{\"step\":2,\"wall", Encoding.UTF8);

        string secondEvents;
        using (var log = new MetricsLog(_dir))
        {
            secondEvents = log.EventsPath;
            log.Record(2, new Dictionary<string, double> { ["loss"] = 0.5 });
        }

        var lines = File.ReadAllLines(Path.Combine(_dir, MetricsLog.JsonlFileName));
        Assert.Equal(3, lines.Length);
        Assert.Equal(2, JsonDocument.Parse(lines[2]).RootElement.GetProperty("step").GetInt64());
        Assert.NotEqual(firstEvents, secondEvents);
        Assert.Equal(2, TfRecordReader.ReadAll(firstEvents).Count);
        Assert.Equal(2, TfRecordReader.ReadAll(secondEvents).Count);
    }

    [Theory]
    [InlineData("step")]
    [InlineData("wall_time")]
    [InlineData("")]
    public void ReservedOrEmptyMetricNamesAreRejected(string name)
    {
        using var log = new MetricsLog(_dir);
        var e = Assert.Throws<ArgumentException>(() => log.Record(1, new Dictionary<string, double> { [name] = 1 }));
        Assert.Contains($"'{name}'", e.Message);
    }
}
