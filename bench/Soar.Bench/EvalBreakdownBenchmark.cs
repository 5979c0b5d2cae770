using System.Globalization;
using Soar.Core.Stages;
using static TorchSharp.torch;

namespace Soar.Bench;

/// <summary>
/// `--eval-breakdown [--eval-repeats 3] [--eval-arms 2]`: curates 2,000 shapes images, trains a unet-tiny for 100 steps,
/// then runs the eval stage with the benchmark pipeline's Scale=cpu settings (200 in-distribution prompts and 8 per
/// held-out task, 3 samples each, 20 steps, drift on one sample, 128 Fréchet samples, a 300-step feature network)
/// several times with fresh seeds, and prints the median seconds of each phase the stage times (sampling, scoring,
/// drift, feature network, Fréchet, report) with its share and the sampling rate.
/// </summary>
public static class EvalBreakdownBenchmark
{
    public sealed record PhaseRow(string Phase, double MedianSeconds, double Share, double[] Seconds);

    public static int Run(int repeats, int arms, string output, Action<string, object> writeJson)
    {
        var temp = Directory.CreateTempSubdirectory("soar-eval-breakdown-").FullName;
        try
        {
            Console.WriteLine($"eval breakdown: {arms} arm(s), {repeats} runs, {get_num_threads()} threads; training a unet-tiny base first");
            BenchStage.Run(temp, "data", "curate", new Dictionary<string, string> { ["Source"] = "shapes", ["Count"] = "2000", ["Seed"] = "0" });
            BenchStage.Run(temp, "base", "sft", new Dictionary<string, string> { ["Preset"] = "unet-tiny", ["Steps"] = "100", ["BatchSize"] = "32", ["LearningRate"] = "1e-3", ["Seed"] = "0" }, ("data", "data"));
            // Arms share the one checkpoint under different names: per-arm phases scale with the count, the rest do not.
            var armNames = Enumerable.Range(1, arms).Select(i => $"arm{i}").ToArray();
            var runs = new List<(IReadOnlyDictionary<string, double> Phases, double Wall, double Images)>();
            for (int r = 0; r < repeats; r++)
            {
                var manifest = BenchStage.Run(temp, $"eval{r}", "eval", new Dictionary<string, string>
                {
                    ["Prompts"] = "in_distribution;held_out", ["InDistributionPrompts"] = "200", ["PromptsPerTask"] = "8", ["SamplesPerPrompt"] = "3",
                    ["Steps"] = "20", ["Cfg"] = "4.5", ["DriftSamples"] = "1", ["FrechetSamples"] = "128", ["FeatureSteps"] = "300", ["Seed"] = r.ToString(CultureInfo.InvariantCulture),
                }, [.. armNames.Select(a => (a, "base")), ("data", "data")]);
                runs.Add((manifest.Run.Phases ?? new SortedDictionary<string, double>(), manifest.Run.WallSeconds, manifest.Metrics["images"]));
                Console.WriteLine($"run {r + 1}/{repeats}: {manifest.Run.WallSeconds:F1} s wall, {manifest.Metrics["images"]:F0} images");
            }

            var phaseNames = runs.SelectMany(r => r.Phases.Keys).Distinct().ToList();
            double wall = Stats.Median(runs.Select(r => r.Wall));
            var rows = phaseNames.Select(p =>
            {
                var seconds = runs.Select(r => r.Phases.GetValueOrDefault(p)).ToArray();
                double median = Stats.Median(seconds);
                return new PhaseRow(p, median, median / wall, seconds);
            }).OrderByDescending(r => r.MedianSeconds).ToList();
            double sampling = rows.FirstOrDefault(r => r.Phase == "sampling")?.MedianSeconds ?? double.NaN;
            double images = runs[0].Images;

            Console.WriteLine($"{"phase",-18}{"median s",10}{"share",8}  runs s");
            foreach (var row in rows)
                Console.WriteLine($"{row.Phase,-18}{row.MedianSeconds,10:F2}{row.Share,8:P0}  {string.Join(" ", row.Seconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))}");
            Console.WriteLine($"{"wall (stage)",-18}{wall,10:F2}{1.0,8:P0}");
            Console.WriteLine($"sampling: {images:F0} prompt-set images per run, {images / sampling:F1} images/s (the Fréchet images are sampled under 'frechet')");
            writeJson(output, new
            {
                kind = "eval-breakdown", machine = Environment.MachineName, cores = Environment.ProcessorCount, threads = get_num_threads(), date = DateTime.UtcNow,
                arms, repeats, settings = "shapes, unet-tiny base (100 steps); 200 in-distribution prompts + 8 per held-out task, 3 samples, 20 Euler steps, CFG 4.5, drift 1 sample, 128 Frechet samples, 300 feature steps",
                images_per_run = images, median_wall_seconds = wall, median_sampling_seconds = sampling, phases = rows,
            });
            return 0;
        }
        finally
        {
            try { Directory.Delete(temp, recursive: true); } catch (IOException e) { Console.Error.WriteLine($"could not delete {temp}: {e.Message}"); }
        }
    }
}
