namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>The repository root, found by walking up from the test binaries to Soar.Pipeline.sln.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Soar.Pipeline.sln"))) return dir.FullName;
        throw new InvalidOperationException($"Soar.Pipeline.sln not found above {AppContext.BaseDirectory}");
    }
}
