namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>`soar new` writes a project that builds with the command it prints, on a machine that followed README's install steps.</summary>
[Collection(BuildCollection.Name)]
public sealed class NewProjectTests(ToolingFixture tooling)
{
    private (int ExitCode, string Output) Soar(string workingDir, params string[] arguments) =>
        DotnetBuild.Run(DotnetBuild.StartInfo(workingDir, [tooling.SoarDll, .. arguments]), TimeSpan.FromMinutes(1));

    [Fact]
    public void The_package_form_starter_builds_with_the_printed_command()
    {
        using var temp = new SoarProject();
        var feed = Path.Combine(temp.Dir, "feed");
        var tasksProject = Path.Combine(RepoPaths.Root, "src", "Soar.Pipeline.Tasks", "Soar.Pipeline.Tasks.csproj");
        var (packExit, packOutput) = DotnetBuild.Run(DotnetBuild.StartInfo(temp.Dir, "pack", tasksProject, "-c", "Release", "-o", feed, "-nologo"), TimeSpan.FromMinutes(3));
        Assert.True(packExit == 0, packOutput);

        var (exit, output) = Soar(temp.Dir, "new", "mine", "--output", "user", "--feed", feed);
        Assert.True(exit == 0, output);
        var printed = output.Split("run it with: ")[1].Trim();
        Assert.Equal($"dotnet build {Path.Combine("user", "mine.soarproj")}", printed);
        Assert.Contains(tooling.SoarDll, File.ReadAllText(Path.Combine(temp.Dir, "user", "mine.soarproj")));

        // The printed command, limited to the first stage so the test does not train (the whole plan is still validated).
        var info = DotnetBuild.StartInfo(temp.Dir, [.. printed.Split(' ').Skip(1), "-nologo", "-v:n", "-nodeReuse:false", "-p:SoarStages=data"]);
        info.Environment["NUGET_PACKAGES"] = Path.Combine(temp.Dir, "packages");  // never cache the test's SDK package for the user
        var (buildExit, buildOutput) = DotnetBuild.Run(info, TimeSpan.FromMinutes(3));
        var build = new BuildResult(buildExit, buildOutput, TimeSpan.Zero);
        Assert.True(build.Succeeded, build.ToString());
        Assert.Equal(["data"], build.Ran);
    }

    [Fact]
    public void A_missing_sdk_dir_or_feed_is_an_error_with_a_command_that_fixes_it()
    {
        using var temp = new SoarProject();
        var (exit, output) = Soar(temp.Dir, "new", "a", "--sdk-dir", Path.Combine(temp.Dir, "missing"));
        Assert.Equal(1, exit);
        Assert.Contains("error SOAR3005: --sdk-dir", output);
        var (feedExit, feedOutput) = Soar(temp.Dir, "new", "b", "--feed", Path.Combine(temp.Dir, "nofeed"));
        Assert.Equal(1, feedExit);
        Assert.Contains($"dotnet pack src/Soar.Pipeline.Tasks -c Release -o {Path.Combine(temp.Dir, "nofeed")}", feedOutput);
        Assert.False(File.Exists(Path.Combine(temp.Dir, "a.soarproj")));
        Assert.False(File.Exists(Path.Combine(temp.Dir, "b.soarproj")));
    }
}
