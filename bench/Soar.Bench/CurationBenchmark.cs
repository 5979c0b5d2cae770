using System.Diagnostics;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using Soar.Core.Imaging;
using Soar.Core.Stages;
using Soar.Core.Stages.Curate;

namespace Soar.Bench;

/// <summary>
/// `--curate N`: curation throughput (images/s, all cores) on folders of N/4 and N 32x32 PNGs and of N/10
/// 512x512 JPEGs (same-name .txt captions, exact dedupe on, 32x32 output), with peak RSS after each run:
/// flat memory shows as a peak that does not grow from the N/4 to the N run.
/// </summary>
public static class CurationBenchmark
{
    public static int Run(int images, string output)
    {
        var root = Path.Combine(Path.GetTempPath(), $"soar-bench-curate-{Environment.ProcessId}");
        try
        {
            var rows = new List<CurationRow>
            {
                Measure(root, "png-32", Math.Max(1, images / 4), 32, jpeg: false),
                Measure(root, "png-32", images, 32, jpeg: false),
                Measure(root, "jpeg-512", Math.Max(1, images / 10), 512, jpeg: true),
            };
            Console.WriteLine($"{"curate",-10}{"images",8}{"side",6}{"seconds",9}{"images/s",10}{"peak RSS MiB",14}");
            foreach (var r in rows)
                Console.WriteLine($"{r.Input,-10}{r.Images,8}{r.Side,6}{r.Seconds,9:F2}{r.ImagesPerSecond,10:F1}{r.PeakRssMiB,14:F0}");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            File.WriteAllText(output, JsonSerializer.Serialize(new { kind = "curate", cores = Environment.ProcessorCount, date = DateTime.UtcNow, rows }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {output}");
            return 0;
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    private static CurationRow Measure(string root, string input, int count, int side, bool jpeg)
    {
        var source = Path.Combine(root, $"{input}-{count}");
        WriteImages(source, count, side, jpeg);
        var spec = new StageSpec
        {
            Name = "bench",
            Kind = "curate",
            OutputDir = Path.Combine(root, $"out-{input}-{count}"),
            Parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Source"] = source, ["ImageSize"] = "32", ["ValidationFraction"] = "0.05" },
        };
        var clock = Stopwatch.StartNew();
        var result = new CurateStage().Run(new StageContext(spec, new ConsoleStageLog("bench", TextWriter.Null)), CancellationToken.None);
        double seconds = clock.Elapsed.TotalSeconds;
        long kept = (long)(result.Metrics["rows_train"] + result.Metrics["rows_validation"]);
        if (kept != count) throw new InvalidOperationException($"curated {kept} of {count} benchmark images");
        Directory.Delete(source, recursive: true);
        return new CurationRow(input, count, side, seconds, count / seconds, ProcessMemory.PeakRssMiB());
    }

    // Seeded noise over a gradient: every image distinct (nothing deduplicated), JPEGs of a realistic size.
    private static void WriteImages(string folder, int count, int side, bool jpeg)
    {
        Directory.CreateDirectory(folder);
        Parallel.For(0, count, i =>
        {
            var random = new Random(i);
            var pixels = new byte[side * side * 3];
            random.NextBytes(pixels);
            for (int p = 0; p < pixels.Length; p++) pixels[p] = (byte)((pixels[p] >> 2) + (p / 3 % side) * 190 / side);
            var name = Path.Combine(folder, $"{i:000000}");
            File.WriteAllText(name + ".txt", $"benchmark image {i}");
            if (!jpeg)
            {
                File.WriteAllBytes(name + ".png", ImageCodec.EncodePng(new RgbImage(side, side, pixels)));
                return;
            }
            using var image = Image.LoadPixelData<Rgb24>(pixels, side, side);
            image.SaveAsJpeg(name + ".jpg", new JpegEncoder { Quality = 90 });
        });
    }

    public sealed record CurationRow(string Input, int Images, int Side, double Seconds, double ImagesPerSecond, double PeakRssMiB);
}
