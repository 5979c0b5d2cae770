namespace Soar.Pipeline.Tasks;

/// <summary>
/// Groups the planned stages for running N at a time (SoarParallel): a stage's wave is its depth among them (0 when it
/// reads none of them, else one more than its deepest upstream), so every stage of a wave has all its upstreams in
/// earlier waves; each wave is cut, in run order, into batches of at most N that run together.
/// </summary>
public static class StageWaves
{
    /// <summary>
    /// The stages in the order their batches run, each with its wave and batch number. With <paramref name="parallel"/>
    /// at most 1 the order is <paramref name="ordered"/>'s (dependency order) and every stage is a batch of its own.
    /// </summary>
    public static IReadOnlyList<StageSlot> Assign(IReadOnlyList<StageDeclaration> ordered, int parallel)
    {
        var waves = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var stage in ordered)
            waves[stage.Name] = stage.Upstream.Where(waves.ContainsKey).Select(u => waves[u] + 1).DefaultIfEmpty(0).Max();
        if (parallel <= 1)
            return ordered.Select((s, i) => new StageSlot(s, waves[s.Name], i)).ToList();

        var slots = new List<StageSlot>(ordered.Count);
        // OrderBy is stable: within a wave the stages keep their dependency order.
        foreach (var wave in ordered.GroupBy(s => waves[s.Name]).OrderBy(g => g.Key))
        {
            var first = slots.Count == 0 ? 0 : slots[^1].Batch + 1;
            slots.AddRange(wave.Select((s, i) => new StageSlot(s, wave.Key, first + i / parallel)));
        }
        return slots;
    }
}

/// <summary>A planned stage with its depth among the planned stages and the batch it runs in.</summary>
public sealed record StageSlot(StageDeclaration Stage, int Wave, int Batch);
