using System.Globalization;
using System.Text.Json;
using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Incremental;

public class ManifestCheckTests
{
    /// <summary>A stage folder with two outputs and a manifest in the worker's format.</summary>
    private static string FinishedStage(TempFolder temp)
    {
        var dir = Path.Combine(temp.Path, "stage");
        temp.File("stage/data/train.parquet", "rows");
        temp.File("stage/logs/run.log", "log");
        var outputs = new Dictionary<string, object>();
        var times = new Dictionary<string, string>();
        foreach (var rel in new[] { "data/train.parquet", "logs/run.log" })
        {
            var file = new FileInfo(Path.Combine(dir, rel));
            outputs[rel] = new { sha256 = ManifestCheck.HashFile(file.FullName), size = file.Length };
            times[rel] = file.LastWriteTimeUtc.ToString("O", CultureInfo.InvariantCulture);
        }
        File.WriteAllText(Path.Combine(dir, "manifest.json"), JsonSerializer.Serialize(new
        {
            name = "stage", kind = "curate", fingerprint = "f1f1f1f1f1f1f1f1", outputs, contentHash = "c0ffee", run = new { outputTimes = times },
        }));
        return dir;
    }

    [Fact]
    public void Untouched_outputs_are_intact_and_report_the_content_hash()
    {
        using var temp = new TempFolder();
        var result = ManifestCheck.Check(FinishedStage(temp));
        Assert.True(result.Intact, result.Problem);
        Assert.Equal("c0ffee", result.ContentHash);
    }

    [Fact]
    public void Outputs_built_for_another_fingerprint_are_not_up_to_date_whatever_their_timestamps()
    {
        using var temp = new TempFolder();
        var dir = FinishedStage(temp);
        Assert.True(ManifestCheck.Check(dir, "f1f1f1f1f1f1f1f1").Intact);
        var result = ManifestCheck.Check(dir, "a2a2a2a2a2a2a2a2");
        Assert.False(result.Intact);
        Assert.Equal("its outputs were built for fingerprint f1f1f1f1f1f1, but the declaration now gives a2a2a2a2a2a2", result.Problem);
        Assert.Equal("f1f1f1f1f1f1f1f1", ManifestCheck.Fingerprint(dir));
    }

    [Fact]
    public void A_deleted_output_is_reported()
    {
        using var temp = new TempFolder();
        var dir = FinishedStage(temp);
        File.Delete(Path.Combine(dir, "data", "train.parquet"));
        var result = ManifestCheck.Check(dir);
        Assert.False(result.Intact);
        Assert.Equal("output 'data/train.parquet' is missing", result.Problem);
    }

    [Fact]
    public void Same_size_edit_is_found_by_rehashing_when_the_write_time_moved()
    {
        using var temp = new TempFolder();
        var dir = FinishedStage(temp);
        var path = Path.Combine(dir, "data", "train.parquet");
        File.WriteAllText(path, "ROWS");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("output 'data/train.parquet' was modified", ManifestCheck.Check(dir).Problem);
    }

    [Fact]
    public void Touched_but_identical_output_is_still_intact()
    {
        using var temp = new TempFolder();
        var dir = FinishedStage(temp);
        File.SetLastWriteTimeUtc(Path.Combine(dir, "logs", "run.log"), DateTime.UtcNow.AddMinutes(1));
        Assert.True(ManifestCheck.Check(dir).Intact);
    }

    [Fact]
    public void Missing_or_corrupt_manifest_is_not_intact()
    {
        using var temp = new TempFolder();
        Assert.Equal("it has not run yet", ManifestCheck.Check(Path.Combine(temp.Path, "none")).Problem);
        temp.File("bad/manifest.json", "{ truncated");
        Assert.Contains("not valid JSON", ManifestCheck.Check(Path.Combine(temp.Path, "bad")).Problem);
    }
}
