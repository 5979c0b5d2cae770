using System.Diagnostics;
using Soar.Core.Devices;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Sampling;
using Soar.Core.Text;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Bench;

/// <summary>
/// `--precision [--presets unet-tiny,unet-small] [--repeats 5]`: fp32 against bf16 autocast in one process, per preset:
/// the matmul peak of both, SFT and SOAR optimizer steps (FlowTrainer, so the stages' code path) and sampling, each
/// timed in alternating fp32/bf16 rounds so a change of machine load hits both alike; medians and their ratio.
/// </summary>
public static class PrecisionBenchmark
{
    public sealed record Row(string Preset, string What, double Fp32Seconds, double Bf16Seconds, double Speedup, double? Fp32Loss, double? Bf16Loss);

    public static IReadOnlyList<Row> Run(IReadOnlyList<string> presets, int repeats, int batch)
    {
        var rows = new List<Row>();
        var fp32Peak = MatmulPeak.Measure();
        var bf16Peak = MatmulPeak.Measure(dtype: ScalarType.BFloat16);
        rows.Add(new Row("-", "matmul 2048 (GFLOP/s)", fp32Peak.GflopPerSecond, bf16Peak.GflopPerSecond, bf16Peak.GflopPerSecond / fp32Peak.GflopPerSecond, null, null));
        foreach (var preset in presets)
        {
            rows.Add(Training(preset, "sft step", new SftObjective(), batch, repeats));
            rows.Add(Training(preset, "soar step", new SoarObjective(new SoarOptions()), batch, repeats));
            rows.Add(Sampling(preset, repeats));
        }
        Console.WriteLine($"{"preset",-12}{"measure",-24}{"fp32",10}{"bf16",10}{"bf16 speed-up",15}{"fp32 loss",11}{"bf16 loss",11}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Preset,-12}{r.What,-24}{r.Fp32Seconds,10:G4}{r.Bf16Seconds,10:G4}{r.Speedup,15:F2}{r.Fp32Loss?.ToString("F4") ?? "",11}{r.Bf16Loss?.ToString("F4") ?? "",11}");
        return rows;
    }

    /// <summary>Median seconds per optimizer step; the two trainers start from the same weights and see the same batches.</summary>
    private static Row Training(string preset, string what, ITrainingObjective objective, int batch, int repeats)
    {
        const int StepsPerRound = 3;
        var tokenizer = CaptionTokenizer.Build(Enumerable.Range(0, 26).Select(i => $"w{i}"), 24);
        var data = BenchData(tokenizer, batch * 4);
        using var empty = TrainedModel.EmptyIds(tokenizer, 1, CPU);
        var config = ModelRegistry.FromPreset(preset, 32, tokenizer.Vocabulary.Count, tokenizer.MaxTokens, 1.0);
        manual_seed(0);
        using var fp32Model = ModelRegistry.Create(config);
        manual_seed(0);
        using var bf16Model = ModelRegistry.Create(config);
        FlowTrainer Trainer(VelocityModel m, Precision p) => new(m, objective, new TrainingOptions
        {
            Steps = 1000, BatchSize = batch, LearningRate = 1e-3, Precision = p, LogEvery = 1000,
        }, data, empty, new SilentLog());
        var fp32 = Trainer(fp32Model, Precision.Fp32);
        var bf16 = Trainer(bf16Model, Precision.Bf16);
        fp32.Train(0, 2, CancellationToken.None); // allocator growth and kernel selection
        bf16.Train(0, 2, CancellationToken.None);
        var (tf, tb) = (new List<double>(), new List<double>());
        double lossF = 0, lossB = 0;
        for (int r = 0, step = 2; r < repeats; r++, step += StepsPerRound)
        {
            var clock = Stopwatch.StartNew();
            lossF = fp32.Train(step, step + StepsPerRound, CancellationToken.None).Losses.Average();
            tf.Add(clock.Elapsed.TotalSeconds / StepsPerRound);
            clock.Restart();
            lossB = bf16.Train(step, step + StepsPerRound, CancellationToken.None).Losses.Average();
            tb.Add(clock.Elapsed.TotalSeconds / StepsPerRound);
        }
        data.Dispose();
        double f = Stats.Median(tf), b = Stats.Median(tb);
        return new Row(preset, $"{what} (s, batch {batch})", f, b, f / b, lossF, lossB);
    }

    private static Row Sampling(string preset, int repeats)
    {
        manual_seed(0);
        using var model = ModelRegistry.Create(ModelRegistry.FromPreset(preset, 32, 64, 24, 1.0));
        model.eval();
        using var ids = randint(2, 64, [32, 24]);
        using var empty = TrainedModel.EmptyIds(CaptionTokenizer.Build([""], 24), 1, CPU);
        using var noise = randn(32, 3, 32, 32);
        double Time(Precision p)
        {
            var clock = Stopwatch.StartNew();
            EulerSampler.Sample(model, noise, ids, empty, 20, 4.5, precision: p).Dispose();
            return clock.Elapsed.TotalSeconds;
        }
        Time(Precision.Fp32);
        Time(Precision.Bf16);
        var (tf, tb) = (new List<double>(), new List<double>());
        for (int r = 0; r < Math.Max(2, repeats / 2); r++) { tf.Add(Time(Precision.Fp32)); tb.Add(Time(Precision.Bf16)); }
        double f = Stats.Median(tf), b = Stats.Median(tb);
        return new Row(preset, "sample 32 x 20 steps (s)", f, b, f / b, null, null);
    }

    /// <summary>Random images and captions: only shapes matter for speed.</summary>
    private static TrainingSet BenchData(CaptionTokenizer tokenizer, int count)
    {
        using var generator = new Generator(3, CPU);
        using var images = rand([count, 3, 32, 32], generator: generator) * 2 - 1;
        var rgb = TrainingSet.ToImages(images);
        return TrainingSet.Create(rgb.Select((image, i) => (image, $"w{i % 26} w{(i * 7) % 26}", "bench")), tokenizer, 32, CPU);
    }

    private sealed class SilentLog : Soar.Core.Stages.IStageLog
    {
        public void Info(string message) { }
        public void Warning(string code, string message) { }
        public void Progress(int step, int total, IReadOnlyDictionary<string, double> metrics, TimeSpan? eta) { }
    }
}
