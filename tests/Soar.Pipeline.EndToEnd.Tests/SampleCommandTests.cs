namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>`soar sample` errors name the command-line option the user typed, not the stage parameter behind it.</summary>
[Collection(BuildCollection.Name)]
public sealed class SampleCommandTests(ToolingFixture tooling)
{
    private (int ExitCode, string Output) Soar(string workingDir, params string[] arguments) =>
        DotnetBuild.Run(DotnetBuild.StartInfo(workingDir, [tooling.SoarDll, .. arguments]), TimeSpan.FromMinutes(1));

    [Fact]
    public void Sample_option_errors_name_the_option()
    {
        using var temp = new SoarProject();
        var (exit, output) = Soar(temp.Dir, "sample", "--model", temp.Dir, "--count", "0", "--out", "samples");
        Assert.Equal(1, exit);
        Assert.Contains("error SOAR1003: --count 0: 0 is below the minimum 1", output);
    }
}
