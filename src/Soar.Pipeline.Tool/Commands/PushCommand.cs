using System.CommandLine;
using NuGet.Common;
using Soar.Core.Packaging;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>`soar push`: pushes a model .nupkg to a NuGet feed (folder or HTTP); the API key comes from the environment or NuGet.config.</summary>
public static class PushCommand
{
    public const string DefaultApiKeyVariable = "NUGET_API_KEY";

    public static Command Create()
    {
        var package = new Argument<FileInfo>("package") { Description = "The .nupkg to push." };
        var source = new Option<string>("--source", "-s") { Description = "Feed: a NuGet.config source name, an HTTP(S) URL or a folder.", Required = true };
        var apiKeyEnv = new Option<string>("--api-key-env") { Description = "Environment variable holding the API key for an HTTP feed (else NuGet.config's apikeys).", DefaultValueFactory = _ => DefaultApiKeyVariable };

        var skipDuplicate = new Option<bool>("--skip-duplicate") { Description = "If the feed already has this id and version, leave it as it is and succeed (by default that is an error; a published version is never replaced)." };

        var command = new Command("push", "Push a model package to a NuGet feed.") { package, source, apiKeyEnv, skipDuplicate };
        command.SetAction((parse, ct) => CommandAction.RunAsync(async token =>
        {
            var feed = ModelFeed.Resolve(parse.GetRequiredValue(source), Environment.CurrentDirectory);
            var file = parse.GetRequiredValue(package).FullName;
            var pushed = await feed.PushAsync(file, feed.ApiKey(parse.GetRequiredValue(apiKeyEnv)), NullLogger.Instance, token, parse.GetValue(skipDuplicate));
            Console.WriteLine(pushed
                ? $"pushed {Path.GetFileName(file)} to {feed.Source.Source}"
                : $"skipped {Path.GetFileName(file)}: {feed.Source.Source} already has that version (the same bytes, or --skip-duplicate); the feed's copy is unchanged");
            return 0;
        }, ct));
        return command;
    }
}
