using Soar.Core.Stages;
using Soar.Core.Stages.Sft;

namespace Soar.Core.Tests.Stages;

/// <summary>A training stage killed mid-run resumes from its last periodic checkpoint and ends where an unbroken run ends.</summary>
public class InterruptedTrainingTests : IDisposable
{
    private readonly StageHarness _h = new();
    private static readonly Dictionary<string, string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Steps"] = "6", ["BatchSize"] = "8", ["CheckpointEvery"] = "2", ["LogEvery"] = "1", ["EmaDecay"] = "0.9", ["Seed"] = "4",
    };

    private void Interrupt(string resumeDir, int atStep)
    {
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            _h.Run(new SftStage(), "attempt1", Common, ["data"], resumeDir, new StopAfterLog("sft", atStep, cts, _h.Log), cts.Token));
    }

    [Fact]
    public void Resumes_from_the_last_periodic_checkpoint_with_an_identical_result()
    {
        _h.Curate(count: 48);
        _h.Sft("unbroken", Common, "data");
        var resumeDir = _h.Dir.File("resume");
        Interrupt(resumeDir, atStep: 5);
        _h.Run(new SftStage(), "attempt2", Common, ["data"], resumeDir, null, CancellationToken.None);

        Assert.Contains("at step 4", _h.Log.ToString());
        foreach (var file in new[] { "model.safetensors", "ema.safetensors", "optimizer.safetensors" })
            Assert.Equal(File.ReadAllBytes(_h.Dir.File($"unbroken/checkpoint/{file}")), File.ReadAllBytes(_h.Dir.File($"attempt2/checkpoint/{file}")));
        // The resumed log holds every step once: 1-4 from the first attempt, 5-6 from the second.
        var steps = File.ReadLines(_h.Dir.File("attempt2/logs/metrics.jsonl"))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64()).ToList();
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 6 }, steps);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Repeated_interruptions_at_random_steps_still_end_identical()
    {
        _h.Curate(count: 48);
        var parameters = new Dictionary<string, string>(Common, StringComparer.OrdinalIgnoreCase) { ["Steps"] = "8", ["BatchSize"] = "4", ["CheckpointEvery"] = "1" };
        _h.Sft("unbroken", parameters, "data");
        var resumeDir = _h.Dir.File("resume");
        var random = new Random(7);
        int attempt = 0;
        while (true)
        {
            // A bound on attempts, not on time: a loaded machine may be slow, never wrong.
            Assert.True(attempt < 20, "the interrupted run did not finish within 20 attempts");
            var name = $"attempt{++attempt}";
            using var cts = new CancellationTokenSource();
            try
            {
                // Each attempt is stopped after 1-3 more steps; the last one runs to the end.
                _h.Run(new SftStage(), name, parameters, ["data"], resumeDir, new StopAfterLog("sft", attempt < 5 ? 2 * attempt + random.Next(0, 2) : int.MaxValue, cts, _h.Log), cts.Token);
                break;
            }
            catch (OperationCanceledException) { }
        }
        Assert.True(attempt > 2, $"only {attempt - 1} interruption(s)");
        Assert.Equal(File.ReadAllBytes(_h.Dir.File("unbroken/checkpoint/model.safetensors")), File.ReadAllBytes(_h.Dir.File($"attempt{attempt}/checkpoint/model.safetensors")));
        Assert.Equal(File.ReadAllBytes(_h.Dir.File("unbroken/checkpoint/optimizer.safetensors")), File.ReadAllBytes(_h.Dir.File($"attempt{attempt}/checkpoint/optimizer.safetensors")));
    }

    [Fact]
    public void A_damaged_periodic_checkpoint_is_skipped_with_a_warning()
    {
        _h.Curate(count: 48);
        _h.Sft("unbroken", Common, "data");
        var resumeDir = _h.Dir.File("resume");
        Interrupt(resumeDir, atStep: 3);
        var weights = Path.Combine(resumeDir, "checkpoint", "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(weights, bytes);

        _h.Run(new SftStage(), "attempt2", Common, ["data"], resumeDir, null, CancellationToken.None);
        Assert.Contains("SOAR2105", _h.Log.ToString());
        Assert.Contains("model.safetensors", _h.Log.ToString());
        Assert.Equal(File.ReadAllBytes(_h.Dir.File("unbroken/checkpoint/model.safetensors")), File.ReadAllBytes(_h.Dir.File("attempt2/checkpoint/model.safetensors")));
    }

    public void Dispose() => _h.Dispose();
}
