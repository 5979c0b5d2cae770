using Soar.Core.Imaging;
using Soar.Core.Models.Pipeline;
using Soar.Core.Stages;

namespace Soar.Core.Tests.Packaging.Bases;

/// <summary>
/// A tiny diffusers pipeline folder post-trained through the real <see cref="StageRunner"/>: curate encodes latents,
/// "tuned" trains LoRA adapters (with EMA) on the folder's transformer, "fixed" trains new adapters on "tuned" (SOAR), "full"
/// trains every weight. Run once per test class; the folder feed "feed" starts empty.
/// </summary>
public sealed class LoraPipeline : IDisposable
{
    public PackagedPipeline Project { get; } = new(trainModel: false);
    public string Feed => Project.Dir.File("feed");
    public string Pipeline => Project.Dir.File("tiny-sd3");
    public static readonly (string, string)[] Adapters = [("Lora", "rank=4;alpha=4"), ("Steps", "1"), ("BatchSize", "2")];

    public LoraPipeline()
    {
        Directory.CreateDirectory(Feed);
        TinySD3Pipeline.Write(Pipeline, seed: 3, withT5: false);
        var images = Directory.CreateDirectory(Project.Dir.File("icons")).FullName;
        var rng = new Random(5);
        foreach (var name in new[] { "rocket", "star", "moon", "sun" })
        {
            var image = new RgbImage(32, 32);
            rng.NextBytes(image.Pixels);
            ImageCodec.SavePng(image, Path.Combine(images, name + ".png"));
        }
        File.WriteAllText(Path.Combine(images, "captions.csv"), "file_name,caption\nrocket.png,a rocket\nstar.png,a star\nmoon.png,a moon\nsun.png,a sun\n");
        Project.Run("data", "curate", [], ("Source", "icons"), ("ImageSize", "32"), ("ValidationFraction", "0"), ("MaxSequenceLength", "4"), ("Pipeline", "tiny-sd3"));
        // With EMA: "fixed" starts from tuned's EMA weights, so both adapter files must rebuild exactly.
        Project.Run("tuned", "sft", ["data"], [.. Adapters, ("ModelPackage", "tiny-sd3"), ("EmaDecay", "0.5")]);
        Project.Run("fixed", "soar", ["data", "tuned"], [.. Adapters, ("TrajectoryLength", "2"), ("NumSamplingSteps", "4")]);
        Project.Run("full", "sft", ["data"], ("Steps", "1"), ("BatchSize", "2"), ("ModelPackage", "tiny-sd3"));
    }

    /// <summary>Runs a package stage of <paramref name="model"/> as Id/1.0.0 pushed to <paramref name="feed"/> (default: Feed); returns the .nupkg.</summary>
    public string Package(string name, string model, string id, string? feed = null, params (string, string)[] extra)
    {
        Project.Run(name, "package", [model], [("PackageId", id), ("Version", "1.0.0"), ("PushSource", feed ?? Feed), .. extra]);
        return Project.Dir.File($"{name}/{id}.1.0.0.nupkg");
    }

    /// <summary>Samples two fixed prompts into <paramref name="name"/>/samples and returns the PNG bytes.</summary>
    public byte[][] Sample(string name, string[] upstream, params (string, string)[] extra)
    {
        Project.Run(name, "sample", upstream, [("Prompts", "a star|a moon"), ("Count", "2"), ("Steps", "2"), .. extra]);
        return [.. Enumerable.Range(0, 2).Select(i => File.ReadAllBytes(Project.Dir.File($"{name}/samples/{i:0000}.png")))];
    }

    public void Dispose() => Project.Dispose();
}

[CollectionDefinition(Name)]
public sealed class LoraPipelineCollection : ICollectionFixture<LoraPipeline>
{
    public const string Name = "lora pipeline";
}
