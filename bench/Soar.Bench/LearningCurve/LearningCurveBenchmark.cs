using System.Diagnostics;
using Soar.Core.Data;
using Soar.Core.Devices;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Stages;
using Soar.Core.Stages.Curate;
using Soar.Core.Text;
using Soar.Core.Training;
using Soar.Core.Worlds;
using static TorchSharp.torch;

namespace Soar.Bench.LearningCurve;

/// <summary>
/// `--learning-curve [--world shapes] [--candidates a,b] [--budget-minutes 30] [--eval-every-minutes 3] [--count 4000]
/// [--eval-prompts 128] [--heldout-prompts 0 (all)] [--out bench/results/learning-curve-WORLD.json]`: curates a world dataset with the curate stage,
/// then trains each candidate with FlowTrainer and the sft objective for a fixed budget of training wall time,
/// scoring it with the world's scorer every few minutes of training (evaluation time is not counted) on
/// in-distribution and held-out prompts. Writes a table, JSON and a PNG of score against time and images seen.
/// </summary>
public static class LearningCurveBenchmark
{
    private const long CurateSeed = 0;
    private const int StepsPerChunk = 10;

    /// <param name="fixedSteps">schedule length in steps for every candidate, trained to the end whatever the wall time (0: from the budget).</param>
    /// <param name="evalEverySteps">evaluate every this many steps instead of every evalEveryMinutes (0: by minutes).</param>
    public static int Run(string world, IReadOnlyList<LearningCandidate> candidates, double budgetMinutes, double evalEveryMinutes,
        int count, int evalPrompts, int heldOutPrompts, string output, int fixedSteps = 0, int evalEverySteps = 0)
    {
        var worldModel = WorldCatalog.Get(world);
        Console.WriteLine($"learning curve on '{world}': {candidates.Count} candidates x {budgetMinutes:G} min of training, eval every {evalEveryMinutes:G} min; {get_num_threads()} threads, load average {LoadAverage()}");
        var temp = Directory.CreateTempSubdirectory("soar-curve-").FullName;
        var report = new LearningCurveReport(world, budgetMinutes, evalEveryMinutes, count, get_num_threads(), LoadAverage()) { FixedSteps = fixedSteps, EvalEverySteps = evalEverySteps };
        try
        {
            var dataDir = Curate(temp, world, count);
            var tokenizer = CaptionTokenizer.Build(DatasetReader.Open(Path.Combine(dataDir, "data")).Read().Select(r => r.Caption)
                .Concat(worldModel.EvalPrompts().Select(p => p.Caption)).Concat(worldModel.HeldOutPrompts().Select(p => p.Caption)));
            var info = CuratedDatasetInfo.Load(dataDir);
            using var data = TrainingSet.Create(DatasetReader.Open(Path.Combine(dataDir, "data"), CurateStage.TrainSplit).Read().Select(r => (r.DecodeImage(), r.Caption, r.Source)),
                tokenizer, info.ImageSize, CPU);
            var prompts = CurvePrompts.For(worldModel, evalPrompts, heldOutPrompts, caption => tokenizer.TryEncode(caption, out _, out _), info.ImageSize);
            Console.WriteLine($"curated {data.Count} training images ({info.ImageSize}x{info.ImageSize}), vocabulary {tokenizer.Vocabulary.Count}; {prompts.InDistribution.Count} in-distribution and {prompts.HeldOut.Count} held-out prompts");
            foreach (var candidate in candidates)
            {
                report.Candidates.Add(RunCandidate(candidate, data, tokenizer, info.ImageSize, prompts, budgetMinutes, evalEveryMinutes, fixedSteps, evalEverySteps));
                report.Write(output);
            }
        }
        finally
        {
            try { Directory.Delete(temp, recursive: true); } catch (IOException e) { Console.Error.WriteLine($"could not delete {temp}: {e.Message}"); }
        }
        report.PrintTable();
        report.Write(output);
        var png = Path.ChangeExtension(output, ".png");
        LearningCurvePlot.Save(report, png);
        Console.WriteLine($"wrote {png}");
        return 0;
    }

    private static string Curate(string temp, string world, int count)
    {
        BenchStage.Run(temp, "data", "curate", new Dictionary<string, string> { ["Source"] = world, ["Count"] = count.ToString(), ["Seed"] = CurateSeed.ToString(), ["ValidationFraction"] = "0.02" });
        return Path.Combine(temp, "data");
    }

    private static CandidateCurve RunCandidate(LearningCandidate candidate, TrainingSet data, CaptionTokenizer tokenizer, int imageSize,
        CurvePrompts prompts, double budgetMinutes, double evalEveryMinutes, int fixedSteps, int evalEverySteps)
    {
        var config = ModelRegistry.FromPreset(candidate.Preset, imageSize, tokenizer.Vocabulary.Count, tokenizer.MaxTokens, candidate.TimestepShift);
        double secondsPerStep = MeasureStep(config, candidate, data);
        // The schedule needs a length in steps: as many as the budget holds at the measured speed.
        // A fixed length makes a run on a loaded machine train what an idle one would fit in the budget, only slower.
        int plannedSteps = fixedSteps > 0 ? fixedSteps : Math.Max(StepsPerChunk, (int)(budgetMinutes * 60 / secondsPerStep));
        var options = candidate.Options(plannedSteps, seed: 0);
        manual_seed((long)SplitMix64.Derive(options.Seed, "init", 0));
        using var model = ModelRegistry.Create(config);
        using var empty = TrainedModel.EmptyIds(tokenizer, 1, CPU);
        var log = new ProgressLog(candidate.Name);
        var trainer = new FlowTrainer(model, new SftObjective(), options, data, empty, log);
        var curve = new CandidateCurve(candidate.Name, candidate.Preset, candidate.Recipe, model.ParameterCount(), secondsPerStep, plannedSteps);
        Console.WriteLine($"[{candidate.Name}] {config.Architecture} '{candidate.Preset}', {curve.Parameters:N0} parameters, {secondsPerStep:F3} s/step measured -> {plannedSteps} steps planned; {candidate.Recipe}");

        double budget = budgetMinutes * 60, nextEval = evalEveryMinutes * 60, trained = 0;
        int step = 0;
        var losses = new List<double>();
        while (step < plannedSteps && (fixedSteps > 0 || trained < budget))
        {
            var clock = Stopwatch.StartNew();
            var summary = trainer.Train(step, Math.Min(plannedSteps, step + StepsPerChunk), CancellationToken.None);
            trained += clock.Elapsed.TotalSeconds;
            step = Math.Min(plannedSteps, step + StepsPerChunk);
            losses.AddRange(summary.Losses);
            bool due = evalEverySteps > 0 ? step % evalEverySteps == 0 : trained >= nextEval;
            if (due || step >= plannedSteps || (fixedSteps == 0 && trained >= budget))
            {
                curve.Points.Add(Evaluate(trainer.Ema?.Model ?? model, tokenizer, prompts, candidate.Precision, step, (long)step * options.BatchSize, trained, losses));
                var p = curve.Points[^1];
                Console.WriteLine($"[{candidate.Name}] {trained / 60:F1} min, step {step}, {p.ImagesSeen:N0} images: in-distribution {p.InDistribution.Overall:F3}, held-out {p.HeldOut.Overall:F3} (loss {p.Loss:F4}, eval {p.EvalSeconds:F0} s)");
                losses.Clear();
                while (nextEval <= trained) nextEval += evalEveryMinutes * 60;
            }
        }
        curve.StepsDone = step;
        curve.TrainSeconds = trained;
        return curve;
    }

    /// <summary>Median seconds per optimizer step over a few 5-step chunks of a throwaway copy (the candidate's own model is not touched).</summary>
    private static double MeasureStep(ModelConfig config, LearningCandidate candidate, TrainingSet data)
    {
        const int Chunk = 5;
        using var probe = ModelRegistry.Create(config);
        using var empty = TrainedModel.EmptyIds(CaptionTokenizer.Build([""]), 1, CPU);
        var options = candidate.Options(Chunk * 5, seed: 1) with { LogEvery = 1000 };
        var trainer = new FlowTrainer(probe, new SftObjective(), options, data, empty, new ProgressLog(null));
        // The first steps pay for allocator growth and oneDNN kernel selection: a budget planned from them falls short.
        trainer.Train(0, 2 * Chunk, CancellationToken.None);
        var times = new List<double>();
        for (int s = 2 * Chunk; s < options.Steps; s += Chunk)
        {
            var clock = Stopwatch.StartNew();
            trainer.Train(s, s + Chunk, CancellationToken.None);
            times.Add(clock.Elapsed.TotalSeconds / Chunk);
        }
        return Stats.Median(times);
    }

    private static CurvePoint Evaluate(VelocityModel model, CaptionTokenizer tokenizer, CurvePrompts prompts, Precision precision, int step, long imagesSeen, double trained, List<double> losses)
    {
        var clock = Stopwatch.StartNew();
        bool wasTraining = model.training;
        model.eval();
        var inDistribution = prompts.Score(model, tokenizer, prompts.InDistribution, "in-distribution", precision);
        var heldOut = prompts.Score(model, tokenizer, prompts.HeldOut, "held-out", precision);
        if (wasTraining) model.train();
        return new CurvePoint(step, imagesSeen, trained, losses.Count > 0 ? losses.Average() : double.NaN, inDistribution, heldOut, clock.Elapsed.TotalSeconds);
    }

    internal static string LoadAverage()
    {
        try { return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "unknown"; }
    }

    /// <summary>Prints a progress line every LogEvery steps; null name: silent.</summary>
    private sealed class ProgressLog(string? name) : IStageLog
    {
        public void Info(string message) { if (name is not null) Console.WriteLine($"[{name}] {message}"); }
        public void Warning(string code, string message) => Console.WriteLine($"warning {code}: {message}");
        public void Progress(int step, int total, IReadOnlyDictionary<string, double> metrics, TimeSpan? eta)
        {
            // FlowTrainer also reports the last step of every chunk; print only the LogEvery ones.
            if (name is null || step % 50 != 0) return;
            Console.WriteLine($"[{name}] step {step}: loss {metrics.GetValueOrDefault("loss"):F4}, lr {metrics.GetValueOrDefault("lr"):G3}, {metrics.GetValueOrDefault("images_per_s"):F0} img/s");
        }
    }
}
