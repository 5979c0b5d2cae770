using Soar.Core.Devices;
using Soar.Core.Training;

namespace Soar.Bench.LearningCurve;

/// <summary>A model preset with the recipe it trains under (the sft stage's parameters of the same names).</summary>
public sealed record LearningCandidate(string Name, string Preset, double LearningRate, string LrSchedule = "constant", int WarmupSteps = 0,
    double EmaDecay = 0, bool EmaWarmup = false, int BatchSize = 32, double TimestepShift = 1.0, double CaptionDropout = 0.1,
    Precision Precision = Precision.Fp32)
{
    /// <summary>The trainer's options for a run of <paramref name="steps"/> steps (the schedule decays to 0 at the last one).</summary>
    public TrainingOptions Options(int steps, long seed) => new()
    {
        Steps = steps,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        LrSchedule = LrSchedule,
        // A short budget must not spend itself warming up: at most a tenth of the run.
        WarmupSteps = Math.Min(WarmupSteps, steps / 10),
        EmaDecay = EmaDecay,
        EmaWarmup = EmaWarmup,
        CaptionDropout = CaptionDropout,
        Seed = seed,
        LogEvery = 50,
        Precision = Precision,
    };

    public string Recipe => $"lr {LearningRate:G3} {LrSchedule} warmup {WarmupSteps}, ema {(EmaDecay > 0 ? $"{EmaDecay:G4}{(EmaWarmup ? "+warmup" : "")}" : "off")}, batch {BatchSize}, shift {TimestepShift:G3}, dropout {CaptionDropout:G2}, {Precision.Name()}";

    /// <summary>The named candidates of --candidates; the first is the stage defaults (the recipe the benchmark's 0.053 base used).</summary>
    public static IReadOnlyList<LearningCandidate> Known { get; } =
    [
        new("dit-tiny-baseline", "tiny", 3e-4),
        new("dit-tiny-cosine-ema", "tiny", 1e-3, "cosine", 100, 0.999, true),
        new("dit2-tiny", "dit2-tiny", 1e-3, "cosine", 100, 0.999, true),
        new("unet-tiny", "unet-tiny", 1e-3, "cosine", 100, 0.999, true),
        new("unet-tiny-shift3", "unet-tiny", 1e-3, "cosine", 100, 0.999, true, TimestepShift: 3.0),
        // Quickstart-scale probes (a few hundred steps): a hotter learning rate, no EMA, a smaller batch.
        new("unet-tiny-lr2e3", "unet-tiny", 2e-3, "cosine", 100, 0.999, true),
        new("unet-tiny-lr3e3", "unet-tiny", 3e-3, "cosine", 100, 0.999, true),
        new("unet-tiny-noema", "unet-tiny", 1e-3, "cosine", 100),
        new("unet-tiny-b16", "unet-tiny", 1e-3, "cosine", 100, 0.999, true, BatchSize: 16),
        new("unet-tiny-b8", "unet-tiny", 1e-3, "cosine", 100, 0.999, true, BatchSize: 8),
        new("unet-tiny-b4", "unet-tiny", 1e-3, "cosine", 100, 0.999, true, BatchSize: 4),
        new("unet-tiny-b8-lr2e3", "unet-tiny", 2e-3, "cosine", 100, 0.999, true, BatchSize: 8),
        new("unet-tiny-b8-ema998", "unet-tiny", 1e-3, "cosine", 100, 0.998, true, BatchSize: 8),
        new("unet-tiny-p2", "unet-tiny-p2", 1e-3, "cosine", 100, 0.999, true),
        new("unet-tiny-p2-bf16", "unet-tiny-p2", 1e-3, "cosine", 100, 0.999, true, Precision: Precision.Bf16),
        new("unet-small", "unet-small", 5e-4, "cosine", 100, 0.999, true),
        new("unet-tiny-bf16", "unet-tiny", 1e-3, "cosine", 100, 0.999, true, Precision: Precision.Bf16),
        new("unet-small-bf16", "unet-small", 5e-4, "cosine", 100, 0.999, true, Precision: Precision.Bf16),
        new("unet-small-lr1e3-bf16", "unet-small", 1e-3, "cosine", 100, 0.999, true, Precision: Precision.Bf16),
        new("dit-tiny-bf16", "tiny", 1e-3, "cosine", 100, 0.999, true, Precision: Precision.Bf16),
    ];

    public static IReadOnlyList<LearningCandidate> Pick(string names) =>
        names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(n => Known.FirstOrDefault(c => c.Name == n) ?? throw new ArgumentException($"unknown candidate '{n}'; known: {string.Join(", ", Known.Select(c => c.Name))}"))
            .ToArray();
}
