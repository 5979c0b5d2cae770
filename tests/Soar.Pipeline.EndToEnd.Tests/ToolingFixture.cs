namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>
/// Builds the tasks and the soar tool once per test run (through the SDK itself, with an empty pipeline), so each
/// test's build only pays for the no-op check of the tooling.
/// </summary>
public sealed class ToolingFixture
{
    public string SoarDll { get; }

    public ToolingFixture()
    {
        using var empty = new SoarProject();
        var result = empty.Build();
        if (!result.Succeeded) throw new InvalidOperationException($"building the SDK tooling failed:\n{result}");
        SoarDll = Path.Combine(RepoPaths.Root, "src", "Soar.Pipeline.Tool", "bin", "Release", "net10.0", "linux-x64", "soar.dll");
        if (!File.Exists(SoarDll)) throw new InvalidOperationException($"the SDK build did not produce {SoarDll}:\n{result}");
    }
}

[CollectionDefinition(Name)]
public sealed class BuildCollection : ICollectionFixture<ToolingFixture>
{
    public const string Name = "dotnet build";
}
