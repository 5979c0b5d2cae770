namespace Soar.Pipeline.Tasks;

/// <summary>Topological order of stages by Upstream, stable: among ready stages the one declared first runs first.</summary>
public static class StageOrder
{
    /// <summary>Returns the order, or an empty list and the stage names of one cycle (first name repeated at the end).</summary>
    public static IReadOnlyList<StageDeclaration> Sort(IReadOnlyList<StageDeclaration> stages, out IReadOnlyList<string>? cycle)
    {
        var index = stages.Select((s, i) => (s.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.OrdinalIgnoreCase);
        var pending = stages.Select(s => s.Upstream.Select(u => index[u]).Distinct().Count()).ToArray();
        var dependents = stages.Select(_ => new List<int>()).ToArray();
        for (var i = 0; i < stages.Count; i++)
            foreach (var up in stages[i].Upstream.Select(u => index[u]).Distinct())
                dependents[up].Add(i);

        var ready = new SortedSet<int>(Enumerable.Range(0, stages.Count).Where(i => pending[i] == 0));
        var order = new List<StageDeclaration>(stages.Count);
        while (ready.Count > 0)
        {
            var next = ready.Min;
            ready.Remove(next);
            order.Add(stages[next]);
            foreach (var d in dependents[next])
                if (--pending[d] == 0) ready.Add(d);
        }
        cycle = order.Count == stages.Count ? null : FindCycle(stages, index, pending);
        return cycle is null ? order : [];
    }

    // Walks upstream links among the stages left unsorted; every one of them has an unsorted upstream, so the walk must revisit a stage.
    private static IReadOnlyList<string> FindCycle(IReadOnlyList<StageDeclaration> stages, Dictionary<string, int> index, int[] pending)
    {
        var current = Array.FindIndex(pending, p => p > 0);
        var path = new List<int>();
        while (!path.Contains(current))
        {
            path.Add(current);
            current = stages[current].Upstream.Select(u => index[u]).First(u => pending[u] > 0);
        }
        var loop = path.Skip(path.IndexOf(current)).ToList();
        loop.Reverse();  // upstream walk -> dependency order (a -> b means b reads a)
        var start = loop.IndexOf(loop.Min());  // begin at the stage declared first, where the error points
        var names = loop.Skip(start).Concat(loop.Take(start)).Select(i => stages[i].Name).ToList();
        names.Add(names[0]);
        return names;
    }
}
