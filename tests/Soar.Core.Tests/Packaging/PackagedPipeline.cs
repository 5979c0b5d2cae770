using Soar.Core.Stages;
using Soar.Core.Tests.Data;

namespace Soar.Core.Tests.Packaging;

/// <summary>
/// A tiny finished pipeline (curate -> sft -> eval) run once per test class through the real <see cref="StageRunner"/>,
/// so every stage folder carries its manifest.json the way a build leaves it.
/// </summary>
public sealed class PackagedPipeline : IDisposable
{
    public TestDirectory Dir { get; } = new();
    public string Data => Dir.File("data");
    public string Model => Dir.File("base");
    public string Eval => Dir.File("eval");

    /// <summary>The one feed of the project's NuGet.config (others cleared, so no test reaches for nuget.org).</summary>
    public string TeamFeed => Dir.File("team-feed");

    public PackagedPipeline() : this(trainModel: true) { }

    /// <summary>The project folder with its NuGet.config; with <paramref name="trainModel"/> the shapes pipeline is run in it.</summary>
    internal PackagedPipeline(bool trainModel)
    {
        Directory.CreateDirectory(TeamFeed);
        File.WriteAllText(Dir.File("NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="team-models" value="{TeamFeed}" />
              </packageSources>
            </configuration>
            """);
        if (!trainModel) return;
        Run("data", "curate", [], ("Source", "shapes"), ("Count", "32"), ("ValidationFraction", "0.1"));
        Run("base", "sft", ["data"], ("Steps", "2"), ("BatchSize", "8"));
        Run("eval", "eval", ["base"], ("PromptsPerTask", "1"), ("InDistributionPrompts", "6"), ("SamplesPerPrompt", "1"), ("Steps", "4"), ("Cfg", "2.0"), ("DriftSteps", "0.5"),
            ("DriftSamples", "0"), ("FrechetSamples", "0"));
    }

    /// <summary>Runs a stage into Dir/name with the named upstream folders (any folder path also works as upstream).</summary>
    public StageManifest Run(string name, string kind, string[] upstream, params (string Key, string Value)[] parameters) =>
        Run(name, kind, upstream, TextWriter.Null, parameters);

    /// <summary>As above, writing the stage's log to <paramref name="log"/>.</summary>
    public StageManifest Run(string name, string kind, string[] upstream, TextWriter log, params (string Key, string Value)[] parameters)
    {
        var spec = new StageSpec
        {
            Name = name,
            Kind = kind,
            // The project folder anchors relative feeds and the model package cache (.soar/packages).
            ProjectPath = Dir.File("models.soarproj"),
            OutputDir = Dir.File(name),
            Parameters = parameters.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase),
            Inputs = upstream.Select(u => new StageInput { Name = Path.GetFileName(u), Kind = "upstream", Dir = Path.IsPathRooted(u) ? u : Dir.File(u) }).ToList(),
        };
        return new StageRunner().Run(spec, new ConsoleStageLog(name, log), CancellationToken.None);
    }

    public void Dispose() => Dir.Dispose();
}
