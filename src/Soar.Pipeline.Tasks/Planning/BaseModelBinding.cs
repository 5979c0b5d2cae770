using Microsoft.Build.Framework;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// `&lt;BaseModel Include="Contoso.Shapes.Base" Version="1.0.0" Source="feed" ContentHash="..." /&gt;`: the packaged model
/// every training or sample stage starts from when it reads no model stage and names no ModelPackage itself. It becomes
/// that stage's ModelPackage/PackageSource/PackageContentHash parameters, so it joins the stage's fingerprint like any parameter.
/// </summary>
public static class BaseModelBinding
{
    private const string PackageParameter = "ModelPackage";
    private const string SourceParameter = "PackageSource";
    private const string ContentHashParameter = "PackageContentHash";
    /// <summary>Kinds whose output is a model another stage can start from.</summary>
    private static readonly string[] ModelKinds = ["sft", "soar", "flow-grpo"];

    /// <summary>A &lt;BaseModel&gt; item: package id, Version and optional Source and ContentHash (pin) metadata.</summary>
    public sealed record Reference(string Id, string Version, string Source, string ContentHash = "");

    public static IReadOnlyList<Reference> Read(IEnumerable<ITaskItem> items) =>
        items.Select(i => new Reference(i.ItemSpec, i.GetMetadata("Version").Trim(), i.GetMetadata("Source").Trim(), i.GetMetadata("ContentHash").Trim())).ToList();

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
        if (model.Version.Length == 0)
        {
            errors.Add(new PipelineDiagnostic(PipelineErrors.BaseModel, $"<BaseModel Include=\"{model.Id}\"> needs a Version, e.g. Version=\"1.0.0\"", projectFile, ProjectLineMap.FindItemLine(projectFile, "BaseModel", model.Id, 0)));
            return stages;
        }
        var kinds = stages.ToDictionary(s => s.Name, s => s.Kind, StringComparer.OrdinalIgnoreCase);
        return stages.Select(stage =>
        {
            bool takesPackage = catalog.TryGet(stage.Kind, out var kind) && kind.Parameters.ContainsKey(PackageParameter);
            bool readsModel = stage.Upstream.Any(u => kinds.TryGetValue(u, out var k) && ModelKinds.Contains(k, StringComparer.OrdinalIgnoreCase));
            if (!takesPackage || readsModel || stage.Parameters.ContainsKey(PackageParameter)) return stage;
            var parameters = new Dictionary<string, string>(stage.Parameters, StringComparer.OrdinalIgnoreCase) { [PackageParameter] = $"{model.Id}/{model.Version}" };
            if (model.Source.Length > 0 && !parameters.ContainsKey(SourceParameter)) parameters[SourceParameter] = model.Source;
            if (model.ContentHash.Length > 0 && !parameters.ContainsKey(ContentHashParameter)) parameters[ContentHashParameter] = model.ContentHash;
            return stage with { Parameters = parameters };
        }).ToList();
    }
}
