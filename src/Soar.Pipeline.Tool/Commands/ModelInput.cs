using NuGet.Common;
using Soar.Core.Packaging;
using Soar.Core.Packaging.Bases;
using Soar.Core.Stages;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>The model a command reads: a stage folder (--model) or a model package restored from a feed (--package, --source).</summary>
public static class ModelInput
{
    public static async Task<StageInput> ResolveAsync(DirectoryInfo? model, string? package, string? source, CancellationToken ct, DirectoryInfo? pipeline = null)
    {
        if ((model is null) == (package is null))
            throw new StageException("SOAR2631", "give either --model <stage folder> or --package Id/Version --source <feed>");
        if (model is not null) return AdHocStage.Input(model, "--model");
        if (source is null) throw new StageException("SOAR2631", "--package needs --source <feed> (a NuGet.config source name, URL or folder)");
        var reference = ModelPackageReference.Parse(package!, "--package");
        var feed = ModelFeed.Resolve(source, Environment.CurrentDirectory);
        var restored = await feed.RestoreAsync(reference.Id, reference.Version, ModelPackageReference.CacheRoot(null), NullLogger.Instance, ct);
        Console.WriteLine($"using {reference.Id} {reference.Version} from {feed.Source.Source} ({restored.Dir})");
        var lookup = new BaseLookup(ModelPackageInput.BaseFeeds(feed, Environment.CurrentDirectory), ModelPackageReference.CacheRoot(null), pipeline?.FullName, null, Console.WriteLine)
        {
            PipelineHint = "--pipeline <folder>",
        };
        var input = AdHocStage.Input(new DirectoryInfo(BaseResolver.ModelDirOf(restored, lookup)), "--package");
        // Named after the package, not its cache folder (eval's arms and grids are named after their input).
        return new StageInput { Name = $"{reference.Id}.{reference.Version}", Kind = input.Kind, Dir = input.Dir };
    }
}
