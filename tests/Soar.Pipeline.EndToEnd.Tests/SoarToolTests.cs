namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>The soar tool's commands, run as a user runs them.</summary>
[Collection(BuildCollection.Name)]
public sealed class SoarToolTests(ToolingFixture tooling)
{
    private (int ExitCode, string Output) Soar(string workingDir, params string[] arguments) =>
        DotnetBuild.Run(DotnetBuild.StartInfo(workingDir, [tooling.SoarDll, .. arguments]));

    [Theory]
    [InlineData("--help")]
    [InlineData("stage", "run", "--help")]
    [InlineData("stage", "kinds", "--help")]
    [InlineData("sample", "--help")]
    [InlineData("eval", "--help")]
    [InlineData("info", "--help")]
    [InlineData("new", "--help")]
    public void Every_command_has_help(params string[] command)
    {
        var (exit, output) = Soar(Path.GetTempPath(), command);
        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output);
    }

    [Fact]
    public void Stage_kinds_lists_the_catalog_with_parameters()
    {
        var (exit, output) = Soar(Path.GetTempPath(), "stage", "kinds");
        Assert.Equal(0, exit);
        Assert.Contains("curate: ", output);
        Assert.Contains("  Steps (int >= 1, default 200)", output);
    }

    [Fact]
    public void Info_reports_versions_and_that_libtorch_loads()
    {
        var (exit, output) = Soar(Path.GetTempPath(), "info");
        Assert.Equal(0, exit);
        Assert.Contains("libtorch        2.10.0", output);
        Assert.Contains("stage kinds     curate, sft, ", output);
        Assert.DoesNotContain("(not implemented)", output);
    }

    [Fact]
    public void New_writes_a_starter_project_that_validates_and_refuses_to_overwrite()
    {
        using var temp = new SoarProject();
        var sdkDir = Path.Combine(RepoPaths.Root, "src", "Soar.Pipeline.Tasks", "Sdk");
        var (exit, output) = Soar(temp.Dir, "new", "starter", "--sdk-dir", sdkDir);
        Assert.Equal(0, exit);
        var path = Path.Combine(temp.Dir, "starter.soarproj");
        Assert.Contains("Kind=\"sft\"", File.ReadAllText(path));

        var (again, error) = Soar(temp.Dir, "new", "starter");
        Assert.Equal(1, again);
        Assert.Contains("soar : error SOAR3001:", error);

        // The starter must pass validation: build only the resolve step (no training).
        var (buildExit, buildOutput) = DotnetBuild.Run(DotnetBuild.StartInfo(temp.Dir, "build", path, "-nologo", "-t:SoarResolveStages"));
        Assert.True(buildExit == 0, buildOutput);
    }

    [Fact]
    public void Stage_run_with_a_missing_spec_fails_with_a_coded_error()
    {
        var (exit, output) = Soar(Path.GetTempPath(), "stage", "run", "/nonexistent/spec.json");
        Assert.Equal(1, exit);
        Assert.Contains("soar : error SOAR2001: stage spec /nonexistent/spec.json does not exist", output);
    }
}
