using Soar.Core.Stages;

namespace Soar.Bench;

/// <summary>Runs one stage in process, as the build's worker would, into <c>root/name</c> with its log silenced.</summary>
public static class BenchStage
{
    /// <param name="upstream">(input name, folder under root) of each upstream stage.</param>
    public static StageManifest Run(string root, string name, string kind, IReadOnlyDictionary<string, string> parameters, params (string Name, string Dir)[] upstream)
    {
        var spec = new StageSpec
        {
            Name = name, Kind = kind, ProjectPath = Path.Combine(root, "bench.soarproj"), OutputDir = Path.Combine(root, name),
            Parameters = new Dictionary<string, string>(parameters, StringComparer.OrdinalIgnoreCase),
            Inputs = upstream.Select(u => new StageInput { Name = u.Name, Kind = "upstream", Dir = Path.Combine(root, u.Dir) }).ToList(),
        };
        return new StageRunner().Run(spec, new ConsoleStageLog(name, TextWriter.Null), CancellationToken.None);
    }
}
