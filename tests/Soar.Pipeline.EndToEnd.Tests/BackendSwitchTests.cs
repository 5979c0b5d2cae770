using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>
/// The SoarBackend switch (Directory.Build.props, build/LibTorchBackend.targets): a backend whose libtorch package no
/// feed serves, or an unknown backend, fails the build in one line before restore. The feeds are temporary folders
/// given as RestoreSources, so the outcome does not depend on what this machine's NuGet.config can reach.
/// </summary>
public sealed partial class BackendSwitchTests : IDisposable
{
    private static readonly string CoreProject = Path.Combine(RepoPaths.Root, "src", "Soar.Core", "Soar.Core.csproj");
    private static readonly string AssetsFile = Path.Combine(RepoPaths.Root, "src", "Soar.Core", "obj", "project.assets.json");
    private readonly string _dir = Directory.CreateTempSubdirectory("soar-backend-").FullName;

    private string EmptyFeed => Directory.CreateDirectory(Path.Combine(_dir, "empty-feed")).FullName;
    private string EmptyPackages => Directory.CreateDirectory(Path.Combine(_dir, "packages")).FullName;

    [Theory]
    [InlineData("cuda", "SOAR0002", "SoarBackend=cuda needs the package libtorch-cuda-12.8-linux-x64 2.10.0")]
    [InlineData("rocm", "SOAR0001", "SoarBackend='rocm' is not a libtorch backend: use cpu (the default) or cuda.")]
    public void A_backend_that_cannot_be_had_fails_the_build_in_one_line_before_restore(string backend, string code, string message)
    {
        var assetsBefore = File.Exists(AssetsFile) ? File.ReadAllBytes(AssetsFile) : null;
        var (exit, output) = DotnetBuild.Run(DotnetBuild.StartInfo(_dir, "build", CoreProject, "-nologo", "-nodeReuse:false",
            $"-p:SoarBackend={backend}", $"-p:RestoreSources={EmptyFeed}", $"-p:RestorePackagesPath={EmptyPackages}"));

        Assert.NotEqual(0, exit);
        // MSBuild repeats each error in its summary; distinct, there is exactly one, and none from NuGet.
        var errors = ErrorLine().Matches(output).Select(m => m.Value.Trim()).Distinct().ToList();
        Assert.True(errors.Count == 1, output);
        Assert.Contains($"error {code}: {message}", errors[0]);
        Assert.DoesNotContain("NU1101", output);
        // Failing before restore leaves the CPU restore of Soar.Core as it was.
        Assert.Equal(assetsBefore, File.Exists(AssetsFile) ? File.ReadAllBytes(AssetsFile) : null);
    }

    [Fact]
    public void A_feed_that_serves_the_cuda_package_passes_the_check_and_one_that_does_not_fails_it()
    {
        var feed = Directory.CreateDirectory(Path.Combine(_dir, "cuda-feed")).FullName;
        WritePackage(feed, "libtorch-cuda-12.8-linux-x64", "2.10.0");

        var served = Check(feed);
        Assert.True(served.ExitCode == 0, served.Output);
        var missing = Check(EmptyFeed);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("error SOAR0002", missing.Output);
    }

    /// <summary>Runs only the feed check (no restore, so nothing of the repository's build state changes).</summary>
    private (int ExitCode, string Output) Check(string feed) =>
        DotnetBuild.Run(DotnetBuild.StartInfo(_dir, "msbuild", CoreProject, "-nologo", "-nodeReuse:false", "-t:SoarCheckLibTorchPackage",
            "-p:SoarBackend=cuda", $"-p:RestoreSources={feed}", $"-p:RestorePackagesPath={EmptyPackages}"));

    /// <summary>A minimal .nupkg (just its .nuspec), enough for a folder feed to list the id and version.</summary>
    private static void WritePackage(string feed, string id, string version)
    {
        using var zip = ZipFile.Open(Path.Combine(feed, $"{id}.{version}.nupkg"), ZipArchiveMode.Create);
        using var writer = new StreamWriter(zip.CreateEntry($"{id}.nuspec").Open());
        writer.Write($"""
            <?xml version="1.0" encoding="utf-8"?>
            <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
              <metadata><id>{id}</id><version>{version}</version><authors>test</authors><description>test feed entry</description></metadata>
            </package>
            """);
    }

    [GeneratedRegex(@"error [A-Z]+[0-9]+:[^\[\r\n]*")]
    private static partial Regex ErrorLine();

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
