using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Models.UNet;
using Soar.Core.Stages;
using Soar.Core.Tests.Data;

namespace Soar.Core.Tests.Stages;

/// <summary>
/// The model seam end to end: a Preset="unet-tiny" sft stage trains, checkpoints, resumes bit-identically, samples,
/// packages to a feed and samples again from the package, all through the stage code the DiT goes through.
/// </summary>
public sealed class UNetSeamTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public UNetSeamTests()
    {
        // A NuGet.config with its sources cleared, so no step reaches for nuget.org.
        File.WriteAllText(_dir.File("NuGet.config"), """
            <?xml version="1.0" encoding="utf-8"?>
            <configuration><packageSources><clear /></packageSources></configuration>
            """);
    }

    private StageManifest Run(string name, string kind, string[] upstream, params (string Key, string Value)[] parameters) =>
        new StageRunner().Run(new StageSpec
        {
            Name = name,
            Kind = kind,
            ProjectPath = _dir.File("unet.soarproj"),
            OutputDir = _dir.File(name),
            Parameters = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase),
            Inputs = upstream.Select(u => new StageInput { Name = u, Kind = "upstream", Dir = _dir.File(u) }).ToList(),
        }, new ConsoleStageLog(name, TextWriter.Null), CancellationToken.None);

    [Fact]
    public void A_unet_trains_resumes_bit_identically_samples_and_packages_like_the_dit()
    {
        Run("data", "curate", [], ("Source", "shapes"), ("Count", "24"), ("ValidationFraction", "0.1"));
        (string, string)[] common = [("Preset", "unet-tiny"), ("BatchSize", "4"), ("EmaDecay", "0.9"), ("LogEvery", "1"), ("Seed", "5")];
        Run("full", "sft", ["data"], [.. common, ("Steps", "4")]);
        Run("half", "sft", ["data"], [.. common, ("Steps", "2")]);
        Run("resumed", "sft", ["data"], [.. common, ("Steps", "4"), ("ResumeFrom", "half")]);

        var config = JsonNode.Parse(File.ReadAllText(_dir.File("full/checkpoint/config.json")))!;
        Assert.Equal("unet", config["model"]!["architecture"]!.GetValue<string>());
        Assert.Equal("unet-tiny", config["model"]!["Preset"]!.GetValue<string>());
        foreach (var file in new[] { CheckpointLayout.Model, CheckpointLayout.Ema, CheckpointLayout.Optimizer })
            Assert.Equal(File.ReadAllBytes(_dir.File($"full/checkpoint/{file}")), File.ReadAllBytes(_dir.File($"resumed/checkpoint/{file}")));
        using (var loaded = TrainedModel.Load(_dir.File("full"), TorchSharp.torch.CPU))
            Assert.IsType<FlowUNet>(loaded.Network);

        Run("from-stage", "sample", ["full"], ("Count", "2"), ("Steps", "3"), ("Prompts", "heldout"));
        Directory.CreateDirectory(_dir.File("feed"));
        Run("pack", "package", ["full"], ("PackageId", "Contoso.Shapes.UNet"), ("Version", "1.0.0"), ("PushSource", "feed"));
        Run("from-package", "sample", [], ("Count", "2"), ("Steps", "3"), ("Prompts", "heldout"), ("ModelPackage", "Contoso.Shapes.UNet/1.0.0"), ("PackageSource", "feed"));
        for (int i = 0; i < 2; i++)
            Assert.Equal(File.ReadAllBytes(_dir.File($"from-stage/samples/{i:0000}.png")), File.ReadAllBytes(_dir.File($"from-package/samples/{i:0000}.png")));
    }

    public void Dispose() => _dir.Dispose();
}
