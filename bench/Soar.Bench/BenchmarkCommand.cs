using System.Diagnostics;
using System.Text.Json;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Sampling;
using Soar.Core.Text;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Bench;

/// <summary>
/// `dotnet run -c Release --project bench/Soar.Bench -- [--presets tiny,small] [--repeats 5] [--flow-grpo-repeats 3] [--threads N] [--matmul-size 2048] [--out bench/results/latest.json]`
/// Measures the float32 matmul peak (n x n, same threads), then prints a table of training and sampling throughput per
/// preset (medians of repeats) with the training steps' achieved GFLOP/s and share of that peak, then the Flow-GRPO
/// rollout and training-step speed (--flow-grpo-repeats 0 skips it), and writes JSON. `--curate 10000` measures
/// curation instead; `--noop-rebuild [path.soarproj] [--noop-repeats 5]` times `dotnet build` of an up-to-date
/// pipeline (without a path: a small temporary one on this repository's SDK, deleted afterwards);
/// `--results pipelines/bench/.soar` prints the benchmark pipeline's result tables (docs/RESULTS.md).
/// `--learning-curve [--world shapes] [--candidates ...] [--budget-minutes 30] [--eval-every-minutes 3] [--steps N] [--eval-every-steps M]` trains candidate
/// presets and recipes for a fixed wall-time budget and plots their scores (LearningCurve/LearningCurveBenchmark.cs).
/// `--precision [--presets unet-tiny,unet-small]` compares fp32 with bf16 autocast in one process (PrecisionBenchmark.cs).
/// `--eval-breakdown [--eval-repeats 3] [--eval-arms 2]` times the eval stage's phases (EvalBreakdownBenchmark.cs).
/// `--step-anatomy [--presets unet-tiny]` times every op of a U-Net sft step at its shape (StepAnatomy.cs).
/// </summary>
public static class BenchmarkCommand
{
    public static int Run(string[] args)
    {
        var presets = Arg(args, "--presets", "tiny,small").Split(',');
        int repeats = int.Parse(Arg(args, "--repeats", "5"));
        int batch = int.Parse(Arg(args, "--batch", "32"));
        int grpoRepeats = int.Parse(Arg(args, "--flow-grpo-repeats", "3"));
        var output = Arg(args, "--out", Path.Combine("bench", "results", "latest.json"));
        if (Array.IndexOf(args, "--noop-rebuild") is int at and >= 0)
        {
            var project = at + 1 < args.Length && !args[at + 1].StartsWith("--") ? Path.GetFullPath(args[at + 1]) : null;
            return NoopRebuild(project, int.Parse(Arg(args, "--noop-repeats", "5")), output);
        }
        // --threads 1 gives steadier numbers on a machine shared with other jobs (spinning threads stall each other).
        set_num_threads(int.Parse(Arg(args, "--threads", Environment.ProcessorCount.ToString())));
        if (Array.IndexOf(args, "--learning-curve") >= 0)
        {
            var world = Arg(args, "--world", "shapes");
            var candidates = LearningCurve.LearningCandidate.Pick(Arg(args, "--candidates", "dit-tiny-baseline,dit-tiny-cosine-ema,unet-tiny,unet-small"));
            return LearningCurve.LearningCurveBenchmark.Run(world, candidates, double.Parse(Arg(args, "--budget-minutes", "30")), double.Parse(Arg(args, "--eval-every-minutes", "3")),
                int.Parse(Arg(args, "--count", "4000")), int.Parse(Arg(args, "--eval-prompts", "128")), int.Parse(Arg(args, "--heldout-prompts", "0")), Arg(args, "--out", Path.Combine("bench", "results", $"learning-curve-{world}.json")),
                int.Parse(Arg(args, "--steps", "0")), int.Parse(Arg(args, "--eval-every-steps", "0")));
        }
        if (Array.IndexOf(args, "--eval-breakdown") >= 0)
            return EvalBreakdownBenchmark.Run(int.Parse(Arg(args, "--eval-repeats", "3")), int.Parse(Arg(args, "--eval-arms", "2")),
                Arg(args, "--out", Path.Combine("bench", "results", "eval-breakdown.json")), WriteJson);
        if (Array.IndexOf(args, "--step-anatomy") >= 0)
        {
            var anatomies = Arg(args, "--presets", "unet-tiny").Split(',').Select(p => StepAnatomy.Run(p, batch, int.Parse(Arg(args, "--repeats", "7")))).ToList();
            foreach (var a in anatomies) { StepAnatomy.Print(a); Console.WriteLine(); }
            WriteJson(Arg(args, "--out", Path.Combine("bench", "results", "step-anatomy.json")), new { kind = "step-anatomy", machine = Environment.MachineName, cores = Environment.ProcessorCount, threads = get_num_threads(), date = DateTime.UtcNow, load_average = File.ReadAllText("/proc/loadavg").Trim(), anatomies });
            return 0;
        }
        if (Array.IndexOf(args, "--precision") >= 0)
        {
            var precisionRows = PrecisionBenchmark.Run(Arg(args, "--presets", "unet-tiny,unet-small").Split(','), repeats, batch);
            WriteJson(Arg(args, "--out", Path.Combine("bench", "results", "precision.json")), new { kind = "precision", machine = Environment.MachineName, cores = Environment.ProcessorCount, threads = get_num_threads(), date = DateTime.UtcNow, batch, repeats, rows = precisionRows });
            return 0;
        }
        if (Arg(args, "--results", "") is { Length: > 0 } resultsRoot)
            return ResultsReport.Run(resultsRoot, Arg(args, "--out", Path.Combine("bench", "results", "soar-vs-sft.json")));
        if (int.TryParse(Arg(args, "--curate", ""), out int curateImages)) return CurationBenchmark.Run(curateImages, output);
        if (int.TryParse(Arg(args, "--train-rss-steps", ""), out int rssSteps))
        {
            var preset = presets[0];
            bool checkpointing = Array.IndexOf(args, "--gradient-checkpointing") >= 0;
            var (peakRss, perStep, estimate) = TrainingRssBenchmark.Run(preset, rssSteps, batch, checkpointing);
            Console.WriteLine($"{"preset",-8}{"steps",8}{"batch",7}{"ckpt",6}{"s/step",9}{"peak RSS MiB",14}");
            Console.WriteLine($"{preset,-8}{rssSteps,8}{batch,7}{(checkpointing ? "on" : "off"),6}{perStep,9:F3}{peakRss,14:F0}");
            WriteJson(output, new
            {
                kind = "train-rss", preset, steps = rssSteps, batch, gradient_checkpointing = checkpointing, seconds_per_step = perStep, peak_rss_mib = peakRss,
                estimated_activation_mib = (checkpointing ? estimate.CheckpointedActivationBytes : estimate.ActivationBytes) / (1 << 20), date = DateTime.UtcNow,
            });
            return 0;
        }

        // First while the process is small, so its buffers do not raise the presets' peak RSS; again after the training
        // measurements, because one reading can come out low (a busy neighbour, a cold core) and the peak is the best one.
        int matmulSize = int.Parse(Arg(args, "--matmul-size", "2048"));
        var firstPeak = MatmulPeak.Measure(matmulSize);
        var measured = new List<(string Preset, long Parameters, double Train, double Soar, (double SecondsPerCall, double RssGrowthMiB) Sample, double PeakRss, double SftGflop, double SoarGflop)>();
        foreach (var preset in presets)
        {
            manual_seed(0);
            var config = ModelRegistry.FromPreset(preset, 32, 64, 24, 1.0);
            using var model = ModelRegistry.Create(config);
            var soarOptions = new SoarOptions();
            var train = TimeTraining(model, new SftObjective(), batch, repeats);
            var soar = TimeTraining(model, new SoarObjective(soarOptions), batch, repeats);
            var sample = TimeSampling(model, 32, 20, 4.5, Math.Max(2, repeats / 2));
            measured.Add((preset, model.ParameterCount(), train, soar, sample, ProcessMemory.PeakRssMiB(), StepFlops.Sft(config, batch) / 1e9, StepFlops.Soar(config, batch, soarOptions) / 1e9));
        }
        var secondPeak = MatmulPeak.Measure(matmulSize);
        var peak = secondPeak.GflopPerSecond > firstPeak.GflopPerSecond ? secondPeak : firstPeak;
        Console.WriteLine($"matmul peak: {peak.GflopPerSecond:F1} GFLOP/s (float32 {peak.Size}x{peak.Size}, {peak.Threads} threads, the better of two medians of {peak.Seconds.Length}: {firstPeak.GflopPerSecond:F1} before the presets, {secondPeak.GflopPerSecond:F1} after)");
        var rows = measured.Select(m => new BenchmarkRow(m.Preset, m.Parameters, batch, m.Train, batch / m.Train, m.Soar, batch / m.Soar, m.Soar / m.Train,
            m.Sample.SecondsPerCall, 32 / m.Sample.SecondsPerCall, m.PeakRss, m.Sample.RssGrowthMiB,
            peak.GflopPerSecond, m.SftGflop, m.SftGflop / m.Train, m.SftGflop / m.Train / peak.GflopPerSecond,
            m.SoarGflop, m.SoarGflop / m.Soar, m.SoarGflop / m.Soar / peak.GflopPerSecond)).ToList();

        Console.WriteLine($"{"preset",-8}{"params",12}{"sft s/step",12}{"sft img/s",11}{"soar s/step",13}{"soar img/s",12}{"soar/sft",10}{"sample s/32",13}{"sample img/s",14}{"peak RSS MiB",14}{"RSS growth MiB",16}{"peak GF/s",11}{"sft GF/s",10}{"sft share",11}{"soar GF/s",11}{"soar share",12}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Preset,-8}{r.Parameters,12:N0}{r.SftSecondsPerStep,12:F3}{r.SftImagesPerSecond,11:F1}{r.SoarSecondsPerStep,13:F3}{r.SoarImagesPerSecond,12:F1}{r.SoarToSftRatio,10:F2}{r.SampleSecondsPerBatch,13:F2}{r.SampleImagesPerSecond,14:F1}{r.PeakRssMiB,14:F0}{r.SamplingRssGrowthMiB,16:F1}{r.PeakMatmulGflopPerSecond,11:F1}{r.SftGflopPerSecond,10:F1}{r.SftPeakShare,11:P1}{r.SoarGflopPerSecond,11:F1}{r.SoarPeakShare,12:P1}");
        var grpo = grpoRepeats > 0 ? presets.Select(p => FlowGrpoBenchmark.Run(p, grpoRepeats, peak)).ToList() : [];
        if (grpo.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"{"flow-grpo",-10}{"rollouts",9}{"T",4}{"trained",9}{"rollout s",11}{"rollout img/s",15}{"train s/step",14}{"rollout GF/s",14}{"rollout share",15}{"train GF/s",12}{"train share",13}");
            foreach (var r in grpo)
                Console.WriteLine($"{r.Preset,-10}{r.RolloutsPerStep,9}{r.SdeSteps,4}{r.TrainedTimesteps,9}{r.RolloutSecondsPerBatch,11:F2}{r.RolloutImagesPerSecond,15:F1}{r.TrainSecondsPerStep,14:F2}{r.RolloutGflopPerSecond,14:F1}{r.RolloutPeakShare,15:P1}{r.TrainGflopPerSecond,12:F1}{r.TrainPeakShare,13:P1}");
        }
        foreach (var (what, share) in rows.SelectMany(r => new[] { ($"{r.Preset} sft", r.SftPeakShare), ($"{r.Preset} soar", r.SoarPeakShare) })
                     .Concat(grpo.SelectMany(r => new[] { ($"{r.Preset} flow-grpo rollout", r.RolloutPeakShare), ($"{r.Preset} flow-grpo train", r.TrainPeakShare) })))
            if (share > 1) Console.WriteLine($"warning: {what} reaches {share:P0} of the matmul peak: the FLOP count (StepFlops) or the peak is wrong");
        WriteJson(output, new { kind = "throughput", machine = Environment.MachineName, cores = Environment.ProcessorCount, threads = get_num_threads(), date = DateTime.UtcNow, batch, repeats, rows, flow_grpo = grpo,
            matmul_peak = new { size = peak.Size, threads = peak.Threads, gflop_per_second = peak.GflopPerSecond, seconds = peak.Seconds,
                readings_gflop_per_second = new[] { firstPeak.GflopPerSecond, secondPeak.GflopPerSecond } } });
        return 0;
    }

    /// <summary>`--noop-rebuild`: times no-op builds of <paramref name="project"/> (null: a temporary pipeline).</summary>
    private static int NoopRebuild(string? project, int repeats, string output)
    {
        if (project is not null && !File.Exists(project))
        {
            Console.Error.WriteLine($"noop-rebuild: no such project {project}");
            return 1;
        }
        NoopRebuildReport report;
        try
        {
            using var temp = project is null ? new TemporaryPipeline(TemporaryPipeline.FindRepoRoot(Directory.GetCurrentDirectory())) : null;
            report = NoopRebuildBenchmark.Run(project ?? temp!.ProjectPath, repeats);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"noop-rebuild failed: {e.Message}");
            return 1;
        }
        Console.WriteLine($"{"noop-rebuild",-14}{"builds",7}{"first s",9}{"median s",10}{"min s",8}{"max s",8}{"skipped",9}  times s");
        Console.WriteLine($"{(project is null ? "temp" : Path.GetFileName(project)),-14}{report.Repeats,7}{report.FirstBuildSeconds,9:F1}{report.MedianSeconds,10:F2}{report.MinSeconds,8:F2}{report.MaxSeconds,8:F2}{report.StagesSkipped.DefaultIfEmpty().Max(),9}  {string.Join(" ", report.Seconds.Select(t => t.ToString("F2")))}");
        WriteJson(output, new { kind = "noop-rebuild", machine = Environment.MachineName, cores = Environment.ProcessorCount, date = DateTime.UtcNow,
            project = project ?? "temporary (curate Count=64, sft Steps=2 BatchSize=8)", first_build_seconds = report.FirstBuildSeconds, repeats = report.Repeats,
            median_seconds = report.MedianSeconds, min_seconds = report.MinSeconds, max_seconds = report.MaxSeconds, seconds = report.Seconds, stages_skipped = report.StagesSkipped });
        return 0;
    }

    private static void WriteJson(string path, object report)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {path}");
    }

    /// <summary>Median seconds of one optimizer step (forward, backward, AdamW) with the given objective.</summary>
    internal static double TimeTraining(VelocityModel model, ITrainingObjective objective, int batch, int repeats)
    {
        var optimizer = optim.AdamW(model.parameters(), 1e-4);
        using var images = rand(batch, 3, 32, 32) * 2 - 1;
        using var ids = randint(2, 64, [batch, 24]);
        using var empty = TrainedModel.EmptyIds(BenchTokenizer, 1, CPU);
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
        return Stats.Median(times);
    }

    private static (double SecondsPerCall, double RssGrowthMiB) TimeSampling(VelocityModel model, int count, int steps, double cfg, int repeats)
    {
        model.eval();
        using var ids = randint(2, 64, [count, 24]);
        using var empty = TrainedModel.EmptyIds(BenchTokenizer, 1, CPU);
        var times = new List<double>();
        double rssAfterFirst = 0;
        for (int i = 0; i < repeats + 1; i++)
        {
            using var noise = randn(count, 3, 32, 32);
            var clock = Stopwatch.StartNew();
            using var result = EulerSampler.Sample(model, noise, ids, empty, steps, cfg);
            if (i == 0) rssAfterFirst = ProcessMemory.CurrentRssMiB(); else times.Add(clock.Elapsed.TotalSeconds);
        }
        return (Stats.Median(times), ProcessMemory.CurrentRssMiB() - rssAfterFirst);
    }

    // A 64-word vocabulary like the worlds' (only its size matters for speed).
    private static readonly CaptionTokenizer BenchTokenizer = CaptionTokenizer.Build(Enumerable.Range(0, 26).Select(i => $"w{i}"), 24);

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}

public sealed record BenchmarkRow(string Preset, long Parameters, int Batch, double SftSecondsPerStep, double SftImagesPerSecond,
    double SoarSecondsPerStep, double SoarImagesPerSecond, double SoarToSftRatio, double SampleSecondsPerBatch, double SampleImagesPerSecond, double PeakRssMiB, double SamplingRssGrowthMiB,
    double PeakMatmulGflopPerSecond, double SftGflopPerStep, double SftGflopPerSecond, double SftPeakShare, double SoarGflopPerStep, double SoarGflopPerSecond, double SoarPeakShare);
