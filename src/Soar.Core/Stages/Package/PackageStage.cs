using Soar.Core.Models;
using Soar.Core.Packaging;
using Soar.Core.Stages.Eval;

namespace Soar.Core.Stages.Package;

/// <summary>
/// Kind "package": packs the upstream model stage (and eval stage, when there is one) into
/// &lt;PackageId&gt;.&lt;Version&gt;.nupkg in the stage folder (see <see cref="ModelPackageWriter"/>), and pushes it to PushSource when set.
/// </summary>
public sealed class PackageStage : IStage
{
    public string Kind => "package";

    public StageResult Run(StageContext context, CancellationToken cancellationToken)
    {
        if (context.String("PackageId").Length == 0)
            throw new StageException("SOAR2601", $"stage '{context.Name}': PackageId is required (e.g. PackageId=\"$(ModelPackageId)\" in the .soarproj)");
        var info = ModelPackageInfo.Parse(context.String("PackageId"), context.String("Version"), context.String("Authors"), context.String("License"), context.String("Description"));
        var model = context.RequireInput(i => TrainedModel.IsCheckpoint(i.Dir), "a model stage (sft, soar or flow-grpo)");
        var eval = context.FindInput(i => File.Exists(Path.Combine(i.Dir, EvalStage.MetricsFile)));
        cancellationToken.ThrowIfCancellationRequested();
        var projectDir = context.Spec.ProjectPath is { } project ? Path.GetDirectoryName(Path.GetFullPath(project))! : Environment.CurrentDirectory;
        var path = ModelPackageWriter.Write(info, model.Dir, eval?.Dir, context.OutputDir, context.Int(PackageSizeLimit.Parameter), projectDir);
        context.Log.Info($"packed '{model.Name}'{(eval is null ? "" : $" with eval '{eval.Name}'")} into {Path.GetFileName(path)} ({new FileInfo(path).Length / 1e6:0.##} MB)");
        if (context.String("PushSource") is { Length: > 0 } source)
        {
            var feed = ModelFeed.Resolve(source, projectDir);
            var pushed = feed.PushAsync(path, feed.ApiKey(context.String("ApiKeyVariable")), NuGet.Common.NullLogger.Instance, cancellationToken).GetAwaiter().GetResult();
            context.Log.Info(pushed ? $"pushed {Path.GetFileName(path)} to {feed.Source.Source}" : $"{feed.Source.Source} already has {Path.GetFileName(path)} with the same bytes; left it as it is");
        }
        var result = new StageResult();
        result.Metrics["package_bytes"] = new FileInfo(path).Length;
        result.Notes["package"] = Path.GetFileName(path);
        result.Notes["package_id"] = info.Id;
        result.Notes["package_version"] = info.Version.ToNormalizedString();
        return result;
    }
}
