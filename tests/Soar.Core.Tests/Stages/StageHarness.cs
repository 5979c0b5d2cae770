using Soar.Core.Stages;
using Soar.Core.Stages.Curate;
using Soar.Core.Stages.Sample;
using Soar.Core.Stages.Sft;
using Soar.Core.Tests.Data;

namespace Soar.Core.Tests.Stages;

/// <summary>Runs real stages into a temporary folder, wiring upstream outputs the way the build does.</summary>
public sealed class StageHarness : IDisposable
{
    public TestDirectory Dir { get; } = new();

    /// <summary>Stage parameters from name/value pairs, case-insensitive like the catalog.</summary>
    public static Dictionary<string, string> Params(params (string Key, string Value)[] p) =>
        p.ToDictionary(x => x.Key, x => x.Value, StringComparer.OrdinalIgnoreCase);
    public StringWriter Log { get; } = new();

    public StageResult Run(IStage stage, string name, IReadOnlyDictionary<string, string> parameters, params string[] upstream) =>
        Run(stage, name, parameters, upstream, resumeDir: null, log: null, CancellationToken.None);

    public StageResult Run(IStage stage, string name, IReadOnlyDictionary<string, string> parameters, string[] upstream,
        string? resumeDir, IStageLog? log, CancellationToken cancellationToken)
    {
        var spec = new StageSpec
        {
            Name = name,
            Kind = stage.Kind,
            ProjectPath = Dir.File("test.soarproj"),
            OutputDir = Dir.File(name),
            Parameters = new Dictionary<string, string>(parameters, StringComparer.OrdinalIgnoreCase),
            Inputs = upstream.Select(u => new StageInput { Name = u, Kind = "upstream", Dir = Dir.File(u) }).ToList(),
            ResumeDir = resumeDir,
        };
        Directory.CreateDirectory(spec.OutputDir);
        return stage.Run(new StageContext(spec, log ?? new ConsoleStageLog(name, Log)), cancellationToken);
    }

    public string Curate(string name = "data", int count = 256, string world = "shapes") =>
        Run(new CurateStage(), name, new Dictionary<string, string> { ["Source"] = world, ["Count"] = count.ToString(), ["ValidationFraction"] = "0.05" }) is not null
            ? Dir.File(name) : throw new InvalidOperationException();

    public StageResult Sft(string name, IReadOnlyDictionary<string, string> parameters, params string[] upstream) =>
        Run(new SftStage(), name, parameters, upstream);

    public StageResult Sample(string name, IReadOnlyDictionary<string, string> parameters, params string[] upstream) =>
        Run(new SampleStage(), name, parameters, upstream);

    public void Dispose() => Dir.Dispose();
}
