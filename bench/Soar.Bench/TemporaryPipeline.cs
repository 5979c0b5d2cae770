using System.Security;

namespace Soar.Bench;

/// <summary>
/// A small .soarproj in a temporary folder (64 curated images, a 2-step SFT stage) importing this repository's SDK
/// by absolute path, as the end-to-end tests do. Disposing deletes the folder with its stage outputs.
/// </summary>
public sealed class TemporaryPipeline : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("soar-noop-").FullName;
    public string ProjectPath => Path.Combine(Dir, "noop.soarproj");

    public TemporaryPipeline(string repoRoot)
    {
        var sdk = Path.Combine(repoRoot, "src", "Soar.Pipeline.Tasks", "Sdk");
        File.WriteAllText(ProjectPath, $"""
            <Project>
              <Import Project="{SecurityElement.Escape(Path.Combine(sdk, "Sdk.props"))}" />
              <ItemGroup>
                <Stage Include="data" Kind="curate" Count="64" />
                <Stage Include="base" Kind="sft" Upstream="data" Steps="2" BatchSize="8" />
              </ItemGroup>
              <Import Project="{SecurityElement.Escape(Path.Combine(sdk, "Sdk.targets"))}" />
            </Project>
            """);
    }

    /// <summary>The folder holding Soar.Pipeline.sln, walking up from <paramref name="start"/>.</summary>
    public static string FindRepoRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Soar.Pipeline.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Soar.Pipeline.sln above {start}; run from the repository or pass --noop-rebuild <path.soarproj>");
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException e) { Console.Error.WriteLine($"could not delete {Dir}: {e.Message}"); }
    }
}
