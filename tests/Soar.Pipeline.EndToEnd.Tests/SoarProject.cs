using System.Diagnostics;
using System.Security;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>
/// A temporary .soarproj that imports the in-repo SDK by absolute path, built with real `dotnet build` runs
/// (as Nerdbank.GitVersioning's integration tests build temporary projects).
/// </summary>
internal sealed class SoarProject : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("soar-e2e-").FullName;
    public string ProjectPath => Path.Combine(Dir, "test.soarproj");
    public string OutputRoot => Path.Combine(Dir, ".soar");

    public SoarProject(params string[] stageLines) => Write(stageLines);

    /// <summary>Rewrites the project with these &lt;Stage&gt; elements, one per line; the first is on line <see cref="FirstStageLine"/>.</summary>
    public void Write(params string[] stageLines)
    {
        var sdk = Path.Combine(RepoPaths.Root, "src", "Soar.Pipeline.Tasks", "Sdk");
        File.WriteAllText(ProjectPath, $"""
            <Project>
              <Import Project="{SecurityElement.Escape(Path.Combine(sdk, "Sdk.props"))}" />
              <ItemGroup>
            {string.Join("\n", stageLines.Select(l => "    " + l))}
              </ItemGroup>
              <Import Project="{SecurityElement.Escape(Path.Combine(sdk, "Sdk.targets"))}" />
            </Project>
            """);
    }

    public const int FirstStageLine = 4;

    public BuildResult Build(params string[] extraArguments)
    {
        var clock = Stopwatch.StartNew();
        var (exit, output) = DotnetBuild.Run(DotnetBuild.StartInfo(Dir, ["build", ProjectPath, "-nologo", "-v:n", "-nodeReuse:false", .. extraArguments]));
        return new BuildResult(exit, output, clock.Elapsed);
    }

    public string StageDir(string stage) => Path.Combine(OutputRoot, stage);
    public string Manifest(string stage) => Path.Combine(StageDir(stage), "manifest.json");
    public string ManifestText(string stage) => File.ReadAllText(Manifest(stage));

    public IReadOnlyList<string> Leftovers() =>
        Directory.Exists(OutputRoot)
            ? Directory.GetDirectories(OutputRoot).Select(d => Path.GetFileName(d)).Where(n => n.Contains(".tmp-") || n.Contains(".old-")).ToList()
            : [];

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { /* a killed build may still be releasing files; the temp folder is disposable */ }
    }
}
