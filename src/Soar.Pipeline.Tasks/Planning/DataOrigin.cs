namespace Soar.Pipeline.Tasks;

/// <summary>
/// Where a stage's data comes from, as far as the declaration tells: a built-in world or custom data, and the
/// curate stage that made it. Unknown for a model that starts from a package (its world is in its config.json).
/// </summary>
public sealed record DataOrigin(bool Known, string? World, string? DatasetStage, string Source)
{
    public static readonly DataOrigin Unknown = new(false, null, null, "");

    public bool IsCustom => Known && World is null;

    /// <summary>A curate stage's own origin: its Source names a built-in world or a path to custom data.</summary>
    public static DataOrigin OfCurate(StageDeclaration stage, KindInfo kind, KindCatalog catalog)
    {
        var source = kind.Value(stage.Parameters, "Source").Trim();
        return new DataOrigin(true, catalog.Worlds.Contains(source) ? source : null, stage.Name, source);
    }

    /// <summary>Any other stage: the origin of the dataset it reads, else of the first model it reads.</summary>
    public static DataOrigin Inherited(StageDeclaration stage, IReadOnlyDictionary<string, (KindInfo Kind, DataOrigin Origin)> planned)
    {
        var ups = stage.Upstream.Where(planned.ContainsKey).Select(u => planned[u]).ToList();
        var dataset = ups.FirstOrDefault(u => u.Kind.Produces == "dataset");
        if (dataset.Kind is not null) return dataset.Origin;
        var model = ups.FirstOrDefault(u => u.Kind.Produces == "model");
        return model.Kind is not null ? model.Origin : Unknown;
    }
}
