using Microsoft.Build.Framework;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// `&lt;BaseModel Include="Contoso.Shapes.Base" Version="1.0.0" Source="feed" ContentHash="..." /&gt;`: the packaged model
/// every training or sample stage starts from when it reads no model stage and names no ModelPackage itself. It becomes
/// that stage's ModelPackage/PackageSource/PackageContentHash parameters, so it joins the stage's fingerprint like any parameter.
/// `&lt;BaseModel Include="models/sd3-medium" /&gt;` (no Version; a folder with model_index.json, relative to the project)
/// is a diffusers pipeline: those stages get ModelPackage="models/sd3-medium" and every curate stage without its own
/// Pipeline gets Pipeline="models/sd3-medium", so the data is encoded by that pipeline's VAE and text encoders. As a
/// path parameter its files are inputs of those stages: editing a weight reruns them.
/// `&lt;BaseModel Include="My.Sd35.Tuned" Version="1.0.0" Pipeline="models/sd3-medium" /&gt;`: a package trained on a
/// diffusers folder; the folder becomes PackagePipeline on those stages (the package is rebuilt on it) and Pipeline on
/// every curate stage without its own.
/// </summary>
public static class BaseModelBinding
{
    private const string PackageParameter = "ModelPackage";
    private const string SourceParameter = "PackageSource";
    private const string ContentHashParameter = "PackageContentHash";
    private const string PipelineParameter = "Pipeline";
    private const string PackagePipelineParameter = "PackagePipeline";
    private const string CurateKind = "curate";
    private const string PipelineIndexFile = "model_index.json";
    /// <summary>Kinds whose output is a model another stage can start from.</summary>
    private static readonly string[] ModelKinds = ["sft", "soar", "flow-grpo"];

    /// <summary>A &lt;BaseModel&gt; item: package id, Version and optional Source, ContentHash (pin) and Pipeline (folder) metadata.</summary>
    public sealed record Reference(string Id, string Version, string Source, string ContentHash = "", string Pipeline = "");

    public static IReadOnlyList<Reference> Read(IEnumerable<ITaskItem> items) =>
        items.Select(i => new Reference(i.ItemSpec, i.GetMetadata("Version").Trim(), i.GetMetadata("Source").Trim(), i.GetMetadata("ContentHash").Trim(), i.GetMetadata("Pipeline").Trim())).ToList();

    public static IReadOnlyList<StageDeclaration> Apply(IReadOnlyList<StageDeclaration> stages, IReadOnlyList<Reference> baseModels,
        KindCatalog catalog, string projectFile, List<PipelineDiagnostic> errors)
    {
        if (baseModels.Count == 0) return stages;
        if (baseModels.Count > 1)
        {
            errors.Add(new PipelineDiagnostic(PipelineErrors.BaseModel, $"the project names {baseModels.Count} <BaseModel> items ({string.Join(", ", baseModels.Select(b => b.Id))}); name one, or set ModelPackage on each stage", projectFile, ProjectLineMap.FindItemLine(projectFile, "BaseModel", baseModels[1].Id, 0)));
            return stages;
        }
        var model = baseModels[0];
        var projectDir = Path.GetDirectoryName(Path.GetFullPath(projectFile))!;
        var folder = model.Version.Length == 0 ? Path.GetFullPath(Path.Combine(projectDir, model.Id)) : null;
        if (folder is not null && Directory.Exists(folder))
        {
            if (!File.Exists(Path.Combine(folder, PipelineIndexFile)))
            {
                errors.Add(new PipelineDiagnostic(PipelineErrors.BaseModel, $"<BaseModel Include=\"{model.Id}\">: {folder} is a folder without {PipelineIndexFile}, so it is not a diffusers pipeline; point Include at the folder that holds {PipelineIndexFile}, or give a package Id with a Version", projectFile, ProjectLineMap.FindItemLine(projectFile, "BaseModel", model.Id, 0)));
                return stages;
            }
            return BindPipeline(stages, model.Id, catalog);
        }
        if (model.Version.Length == 0)
        {
            errors.Add(new PipelineDiagnostic(PipelineErrors.BaseModel, $"<BaseModel Include=\"{model.Id}\"> needs a Version, e.g. Version=\"1.0.0\" (or Include a diffusers pipeline folder that exists, relative to the project)", projectFile, ProjectLineMap.FindItemLine(projectFile, "BaseModel", model.Id, 0)));
            return stages;
        }
        var bound = BindModel(stages, catalog, $"{model.Id}/{model.Version}", parameters =>
        {
            if (model.Source.Length > 0 && !parameters.ContainsKey(SourceParameter)) parameters[SourceParameter] = model.Source;
            if (model.ContentHash.Length > 0 && !parameters.ContainsKey(ContentHashParameter)) parameters[ContentHashParameter] = model.ContentHash;
            if (model.Pipeline.Length > 0 && !parameters.ContainsKey(PackagePipelineParameter)) parameters[PackagePipelineParameter] = model.Pipeline;
        });
        return model.Pipeline.Length == 0 ? bound : WithCuratePipeline(bound, model.Pipeline);
    }

    private static IReadOnlyList<StageDeclaration> BindPipeline(IReadOnlyList<StageDeclaration> stages, string folder, KindCatalog catalog) =>
        WithCuratePipeline(BindModel(stages, catalog, folder, _ => { }), folder);

    /// <summary>Pipeline=<paramref name="folder"/> on every curate stage without its own: its data is encoded by that folder.</summary>
    private static IReadOnlyList<StageDeclaration> WithCuratePipeline(IReadOnlyList<StageDeclaration> stages, string folder) =>
        stages.Select(stage =>
            stage.Kind.Equals(CurateKind, StringComparison.OrdinalIgnoreCase) && !stage.Parameters.ContainsKey(PipelineParameter)
                ? stage with { Parameters = new Dictionary<string, string>(stage.Parameters, StringComparer.OrdinalIgnoreCase) { [PipelineParameter] = folder } }
                : stage).ToList();

    /// <summary>ModelPackage=<paramref name="value"/> on every stage that takes one, reads no model stage and sets none itself.</summary>
    private static IReadOnlyList<StageDeclaration> BindModel(IReadOnlyList<StageDeclaration> stages, KindCatalog catalog, string value, Action<Dictionary<string, string>> more)
    {
        var kinds = stages.ToDictionary(s => s.Name, s => s.Kind, StringComparer.OrdinalIgnoreCase);
        return stages.Select(stage =>
        {
            bool takesPackage = catalog.TryGet(stage.Kind, out var kind) && kind.Parameters.ContainsKey(PackageParameter);
            bool readsModel = stage.Upstream.Any(u => kinds.TryGetValue(u, out var k) && ModelKinds.Contains(k, StringComparer.OrdinalIgnoreCase));
            if (!takesPackage || readsModel || stage.Parameters.ContainsKey(PackageParameter)) return stage;
            var parameters = new Dictionary<string, string>(stage.Parameters, StringComparer.OrdinalIgnoreCase) { [PackageParameter] = value };
            more(parameters);
            return stage with { Parameters = parameters };
        }).ToList();
    }
}
