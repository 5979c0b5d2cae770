using Soar.Core.Stages.Curate;
using Soar.Core.Stages.Eval;
using Soar.Core.Stages.FlowGrpo;
using Soar.Core.Stages.Package;
using Soar.Core.Stages.Sample;
using Soar.Core.Stages.Sft;
using Soar.Core.Stages.Soar;

namespace Soar.Core.Stages;

/// <summary>
/// Which <see cref="IStage"/> implements each kind. Explicit on purpose: a kind listed in stage-kinds.json but not
/// registered here gives a clear error instead of a reflection surprise.
/// </summary>
public sealed class StageRegistry
{
    private readonly Dictionary<string, Func<IStage>> _factories = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The stages this build of soar ships.</summary>
    public static StageRegistry Default { get; } = new StageRegistry()
        .Add("curate", () => new CurateStage())
        .Add("sft", () => new SftStage())
        .Add("soar", () => new SoarStage())
        .Add("sample", () => new SampleStage())
        .Add("flow-grpo", () => new FlowGrpoStage())
        .Add("eval", () => new EvalStage())
        .Add("package", () => new PackageStage());

    public IReadOnlyCollection<string> Kinds => _factories.Keys;

    public bool Contains(string kind) => _factories.ContainsKey(kind);

    public StageRegistry Add(string kind, Func<IStage> factory)
    {
        if (!_factories.TryAdd(kind, factory))
            throw new InvalidOperationException($"stage kind '{kind}' is registered twice");
        return this;
    }

    public IStage Create(string kind) =>
        _factories.TryGetValue(kind, out var factory) ? factory()
        : throw new StageException("SOAR2009", $"stage kind '{kind}' is declared in stage-kinds.json but this soar build has no implementation for it; implemented kinds: {(_factories.Count == 0 ? "none" : string.Join(", ", _factories.Keys.Order()))}");
}
