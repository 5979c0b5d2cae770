using Soar.Core.Imaging;
using Soar.Core.Models.Pipeline;
using Soar.Core.Stages;

namespace Soar.Pipeline.Tool.Tests.Commands;

/// <summary>`soar sample --package` and `soar eval --package` of a LoRA package over a diffusers folder: --pipeline names the user's copy.</summary>
public sealed class LoraPackageSampleTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-lora-sample-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Run(string name, string kind, string[] upstream, params (string Key, string Value)[] parameters) =>
        new StageRunner().Run(new StageSpec
        {
            Name = name, Kind = kind, ProjectPath = Path.Combine(_root, "p.soarproj"), OutputDir = Path.Combine(_root, name),
            Parameters = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase),
            Inputs = upstream.Select(u => new StageInput { Name = u, Kind = "upstream", Dir = Path.Combine(_root, u) }).ToList(),
        }, new ConsoleStageLog(name, TextWriter.Null), CancellationToken.None);

    [Fact]
    public void Sample_and_eval_rebuild_the_package_on_the_pipeline_folder_named_by_the_pipeline_option()
    {
        TinySD3Pipeline.Write(Path.Combine(_root, "tiny"), seed: 3, withT5: false);
        var icons = Directory.CreateDirectory(Path.Combine(_root, "icons")).FullName;
        var rng = new Random(2);
        foreach (var name in new[] { "a", "b" })
        {
            var image = new RgbImage(32, 32);
            rng.NextBytes(image.Pixels);
            ImageCodec.SavePng(image, Path.Combine(icons, name + ".png"));
        }
        File.WriteAllText(Path.Combine(icons, "captions.csv"), "file_name,caption\na.png,a star\nb.png,a moon\n");
        Directory.CreateDirectory(Path.Combine(_root, "feed"));
        Run("data", "curate", [], ("Source", "icons"), ("ImageSize", "32"), ("ValidationFraction", "0"), ("MaxSequenceLength", "4"), ("Pipeline", "tiny"));
        Run("tuned", "sft", ["data"], ("Lora", "rank=2;alpha=2"), ("Steps", "1"), ("BatchSize", "2"), ("ModelPackage", "tiny"));
        Run("pack", "package", ["tuned"], ("PackageId", "Test.Cli.Lora"), ("Version", "1.0.0"), ("PushSource", "feed"));

        var previous = Environment.GetEnvironmentVariable("SOAR_PACKAGES");
        // The package cache, else ~/.soar/packages.
        Environment.SetEnvironmentVariable("SOAR_PACKAGES", Path.Combine(_root, "cache"));
        try
        {
            string[] Sample(string output, params string[] more) =>
                ["sample", "--package", "Test.Cli.Lora/1.0.0", "--source", Path.Combine(_root, "feed"), "--prompt", "a star", "--count", "1", "--steps", "2", "--out", Path.Combine(_root, output), .. more];
            var without = ToolRun.Soar(Sample("none"));
            Assert.Equal(1, without.Exit);
            Assert.Contains("SOAR2650", without.Error);
            Assert.Contains("--pipeline <folder>", without.Error);
            var with = ToolRun.Soar(Sample("drawn", "--pipeline", Path.Combine(_root, "tiny")));
            Assert.True(with.Exit == 0, with.Error);
            Assert.True(File.Exists(Path.Combine(_root, "drawn", "samples", "0000.png")));
            var scored = ToolRun.Soar("eval", "--model", Path.Combine(_root, "tuned"), "--package", "Test.Cli.Lora/1.0.0", "--source", Path.Combine(_root, "feed"),
                "--pipeline", Path.Combine(_root, "tiny"), "--data", Path.Combine(_root, "data"), "--prompts", "a star|a moon", "--samples-per-prompt", "2", "--steps", "2",
                "--frechet-samples", "0", "--drift-steps", "0.5", "--out", Path.Combine(_root, "scored"));
            Assert.True(scored.Exit == 0, scored.Error + scored.Output);
            // The package is the stage it was packed from: both arms draw the same images.
            for (int i = 0; i < 2; i++)
                Assert.Equal(File.ReadAllBytes(Path.Combine(_root, "scored", "grids", "tuned", "custom", $"prompt-{i:000}.png")),
                    File.ReadAllBytes(Path.Combine(_root, "scored", "grids", "Test.Cli.Lora.1.0.0", "custom", $"prompt-{i:000}.png")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SOAR_PACKAGES", previous);
        }
    }
}
