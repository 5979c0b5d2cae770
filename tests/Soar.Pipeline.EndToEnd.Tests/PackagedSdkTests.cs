namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>A .soarproj outside the repository uses Soar.Pipeline.Sdk from a local feed made by `dotnet pack` (README's recipe).</summary>
[Collection(BuildCollection.Name)]
public sealed class PackagedSdkTests(ToolingFixture tooling)
{
    [Fact]
    public void Project_with_Sdk_attribute_builds_from_a_local_feed()
    {
        using var temp = new SoarProject();
        var feed = Path.Combine(temp.Dir, "feed");
        var tasksProject = Path.Combine(RepoPaths.Root, "src", "Soar.Pipeline.Tasks", "Soar.Pipeline.Tasks.csproj");
        var (packExit, packOutput) = DotnetBuild.Run(DotnetBuild.StartInfo(temp.Dir, "pack", tasksProject, "-c", "Release", "-o", feed, "-nologo"));
        Assert.True(packExit == 0, packOutput);

        var user = Path.Combine(temp.Dir, "user");
        Directory.CreateDirectory(user);
        File.WriteAllText(Path.Combine(user, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <clear />
                <add key="soar-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var project = Path.Combine(user, "mine.soarproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Soar.Pipeline.Sdk/0.1.0">
              <PropertyGroup>
                <SoarToolPath>{tooling.SoarDll}</SoarToolPath>
              </PropertyGroup>
              <ItemGroup>
                <Stage Include="data" Kind="curate" Count="20" />
              </ItemGroup>
            </Project>
            """);

        BuildResult Build()
        {
            var info = DotnetBuild.StartInfo(user, "build", project, "-nologo", "-v:n", "-nodeReuse:false");
            // A private package folder: the SDK package is never cached in the user's global folder by a test.
            info.Environment["NUGET_PACKAGES"] = Path.Combine(temp.Dir, "packages");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (exit, output) = DotnetBuild.Run(info);
            return new BuildResult(exit, output, clock.Elapsed);
        }

        var first = Build();
        Assert.True(first.Succeeded, first.ToString());
        Assert.Equal(["data"], first.Ran);
        Assert.True(File.Exists(Path.Combine(user, ".soar", "data", "manifest.json")));
        Assert.Equal(["data"], Build().Skipped);
    }
}
