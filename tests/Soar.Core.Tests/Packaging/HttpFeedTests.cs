using NuGet.Common;
using Soar.Core.Packaging;
using Soar.Core.Stages;

namespace Soar.Core.Tests.Packaging;

[Collection(PackagedPipelineCollection.Name)]
public class HttpFeedTests(PackagedPipeline pipeline)
{
    private const string Variable = "SOAR_TEST_HTTP_FEED_KEY";

    /// <summary>A project folder whose NuGet.config names the loopback feed and allows plain HTTP for it.</summary>
    private string ProjectWithFeed(LoopbackNuGetFeed server, string name)
    {
        var dir = pipeline.Dir.File(name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="loopback" value="{server.IndexUrl}" allowInsecureConnections="true" />
              </packageSources>
            </configuration>
            """);
        return dir;
    }

    private string Pack(string version) =>
        ModelPackageWriter.Write(ModelPackageInfo.Parse("Contoso.Shapes.Http", version, null, null, null), pipeline.Model, null, pipeline.Dir.File($"http-pack-{version}"));

    [Fact]
    public async Task Push_with_the_key_from_an_environment_variable_then_restore_over_http()
    {
        using var server = new LoopbackNuGetFeed("secret-key-42");
        var feed = ModelFeed.Resolve("loopback", ProjectWithFeed(server, "http-project"));
        var nupkg = Pack("0.3.0");
        Assert.True(feed.Source.AllowInsecureConnections, "NuGet.config allowInsecureConnections not read");

        Environment.SetEnvironmentVariable(Variable, "wrong-key");
        try
        {
            var refused = await Assert.ThrowsAsync<StageException>(() => feed.PushAsync(nupkg, feed.ApiKey(Variable), NullLogger.Instance, CancellationToken.None));
            Assert.Equal("SOAR2623", refused.Code);
            Assert.Contains(server.IndexUrl, refused.Message);
            Assert.Contains("PUT /v3/package/", server.Requests);

            Environment.SetEnvironmentVariable(Variable, server.ApiKey);
            await feed.PushAsync(nupkg, feed.ApiKey(Variable), NullLogger.Instance, CancellationToken.None);
        }
        finally { Environment.SetEnvironmentVariable(Variable, null); }

        var restored = await feed.RestoreAsync("Contoso.Shapes.Http", "0.3.0", pipeline.Dir.File("http-cache"), NullLogger.Instance, CancellationToken.None);
        Assert.Equal(StageManifest.Load(Path.Combine(pipeline.Model, "manifest.json")).ContentHash, restored.ModelContentHash);
        var missing = await Assert.ThrowsAsync<StageException>(() => feed.RestoreAsync("Contoso.Shapes.Http", "9.9.9", pipeline.Dir.File("http-cache"), NullLogger.Instance, CancellationToken.None));
        Assert.Equal("SOAR2625", missing.Code);
        Assert.Contains("0.3.0", missing.Message);
    }

    [Fact]
    public async Task Plain_http_feed_not_allowed_in_nuget_config_is_a_clear_error()
    {
        using var server = new LoopbackNuGetFeed("k");
        var feed = ModelFeed.Resolve(server.IndexUrl, pipeline.Dir.File("http-plain"));
        var e = await Assert.ThrowsAsync<StageException>(() => feed.PushAsync(Pack("0.4.0"), "k", NullLogger.Instance, CancellationToken.None));
        Assert.Equal("SOAR2623", e.Code);
        Assert.Contains("HTTPS", e.Message);
    }
}
