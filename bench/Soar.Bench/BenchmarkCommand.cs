using System.Diagnostics;
using System.Text.Json;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Sampling;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Bench;

/// <summary>
/// `dotnet run -c Release --project bench/Soar.Bench -- [--presets tiny,small] [--repeats 5] [--out bench/results/latest.json]`
/// Prints a table of training and sampling throughput per preset (medians of repeats) and writes JSON.
/// </summary>
public static class BenchmarkCommand
{
    public static int Run(string[] args)
    {
        var presets = Arg(args, "--presets", "tiny,small").Split(',');
        int repeats = int.Parse(Arg(args, "--repeats", "5"));
        int batch = int.Parse(Arg(args, "--batch", "32"));
        var output = Arg(args, "--out", Path.Combine("bench", "results", "latest.json"));
        set_num_threads(Environment.ProcessorCount);

        var rows = new List<BenchmarkRow>();
        foreach (var preset in presets)
        {
            manual_seed(0);
            var config = ModelConfig.FromPreset(preset, 32, 64, 24, 1.0);
            using var model = new FlowDiT(config);
            var train = TimeTraining(model, batch, repeats);
            var sample = TimeSampling(model, 32, 20, 4.5, Math.Max(2, repeats / 2));
            rows.Add(new BenchmarkRow(preset, model.ParameterCount(), batch, train, batch / train, sample.SecondsPerCall, 32 / sample.SecondsPerCall,
                PeakRssMiB(), sample.RssGrowthMiB));
        }

        Console.WriteLine($"{"preset",-8}{"params",12}{"train s/step",14}{"train img/s",13}{"sample s/32",13}{"sample img/s",14}{"peak RSS MiB",14}{"RSS growth MiB",16}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Preset,-8}{r.Parameters,12:N0}{r.TrainSecondsPerStep,14:F3}{r.TrainImagesPerSecond,13:F1}{r.SampleSecondsPerBatch,13:F2}{r.SampleImagesPerSecond,14:F1}{r.PeakRssMiB,14:F0}{r.SamplingRssGrowthMiB,16:F1}");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        var report = new { machine = Environment.MachineName, cores = Environment.ProcessorCount, threads = get_num_threads(), date = DateTime.UtcNow, batch, repeats, rows };
        File.WriteAllText(output, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {output}");
        return 0;
    }

    private static double TimeTraining(FlowDiT model, int batch, int repeats)
    {
        var objective = new SftObjective();
        var optimizer = optim.AdamW(model.parameters(), 1e-4);
        using var images = rand(batch, 3, 32, 32) * 2 - 1;
        using var ids = randint(2, 64, [batch, 24]);
        using var empty = zeros([1, 24], dtype: ScalarType.Int64);
        var times = new List<double>();
        for (int i = 0; i < repeats + 2; i++)
        {
            using var generator = new Generator((ulong)i, CPU);
            var clock = Stopwatch.StartNew();
            using (var scope = NewDisposeScope())
            {
                optimizer.zero_grad();
                objective.Loss(model, new TrainingBatch(images, ids, empty), generator).Loss.backward();
                optimizer.step();
            }
            if (i >= 2) times.Add(clock.Elapsed.TotalSeconds); // first two steps warm up allocators
        }
        return Median(times);
    }

    private static (double SecondsPerCall, double RssGrowthMiB) TimeSampling(FlowDiT model, int count, int steps, double cfg, int repeats)
    {
        model.eval();
        using var ids = randint(2, 64, [count, 24]);
        using var empty = zeros([1, 24], dtype: ScalarType.Int64);
        var times = new List<double>();
        double rssAfterFirst = 0;
        for (int i = 0; i < repeats + 1; i++)
        {
            using var noise = randn(count, 3, 32, 32);
            var clock = Stopwatch.StartNew();
            using var result = EulerSampler.Sample(model, noise, ids, empty, steps, cfg);
            if (i == 0) rssAfterFirst = CurrentRssMiB(); else times.Add(clock.Elapsed.TotalSeconds);
        }
        return (Median(times), CurrentRssMiB() - rssAfterFirst);
    }

    private static double Median(List<double> xs) { xs.Sort(); return xs.Count % 2 == 1 ? xs[xs.Count / 2] : (xs[xs.Count / 2 - 1] + xs[xs.Count / 2]) / 2; }

    private static double CurrentRssMiB() => ReadStatus("VmRSS:");
    private static double PeakRssMiB() => ReadStatus("VmHWM:");

    private static double ReadStatus(string key)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key));
        return line is null ? double.NaN : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}

public sealed record BenchmarkRow(string Preset, long Parameters, int Batch, double TrainSecondsPerStep, double TrainImagesPerSecond,
    double SampleSecondsPerBatch, double SampleImagesPerSecond, double PeakRssMiB, double SamplingRssGrowthMiB);
