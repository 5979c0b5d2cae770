namespace Soar.Pipeline.Tasks.Tests;

/// <summary>Paths inside the repository, found by walking up from the test binaries to Soar.Pipeline.sln.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string StageKindsJson => Path.Combine(Root, "src", "Soar.Core", "Stages", "stage-kinds.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Soar.Pipeline.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Soar.Pipeline.sln not found above {AppContext.BaseDirectory}");
    }
}
