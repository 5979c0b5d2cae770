using Soar.Pipeline.Tasks;
using static Soar.Pipeline.Tasks.Tests.Planning.PipelinePlannerTests;

namespace Soar.Pipeline.Tasks.Tests.Planning;

public class StageWavesTests
{
    // data -> left, right -> eval: the two models are independent.
    private static readonly IReadOnlyList<StageDeclaration> Diamond =
        StageOrder.Sort([Stage("data", "data"), Stage("left", "train", "data"), Stage("right", "train", "data"), Stage("eval", "eval", "left;right")], out _);

    private static readonly IReadOnlyList<StageDeclaration> Chain =
        StageOrder.Sort([Stage("data", "data"), Stage("base", "train", "data"), Stage("tuned", "train", "base;data"), Stage("eval", "eval", "tuned")], out _);

    private static IEnumerable<(string, int, int)> Slots(IReadOnlyList<StageSlot> slots) => slots.Select(s => (s.Stage.Name, s.Wave, s.Batch));

    [Fact]
    public void A_diamond_runs_its_two_branches_in_one_batch()
    {
        Assert.Equal([("data", 0, 0), ("left", 1, 1), ("right", 1, 1), ("eval", 2, 2)], Slots(StageWaves.Assign(Diamond, parallel: 2)));
    }

    [Fact]
    public void A_batch_holds_at_most_parallel_stages_of_its_wave()
    {
        var fan = StageOrder.Sort([Stage("data", "data"), Stage("a", "train", "data"), Stage("b", "train", "data"), Stage("c", "train", "data")], out _);
        Assert.Equal([("data", 0, 0), ("a", 1, 1), ("b", 1, 1), ("c", 1, 2)], Slots(StageWaves.Assign(fan, parallel: 2)));
    }

    [Fact]
    public void A_chain_is_one_stage_per_wave_at_its_deepest_upstream()
    {
        // tuned reads data (wave 0) and base (wave 1): it goes after the deeper one.
        Assert.Equal([("data", 0, 0), ("base", 1, 1), ("tuned", 2, 2), ("eval", 3, 3)], Slots(StageWaves.Assign(Chain, parallel: 4)));
    }

    [Fact]
    public void Parallel_one_keeps_the_dependency_order_one_stage_per_batch()
    {
        // independent is declared after the chain's second stage: sequentially it keeps that place.
        var ordered = StageOrder.Sort([Stage("data", "data"), Stage("base", "train", "data"), Stage("independent", "data")], out _);
        Assert.Equal([("data", 0, 0), ("base", 1, 1), ("independent", 0, 2)], Slots(StageWaves.Assign(ordered, parallel: 1)));
        Assert.Equal([("data", 0, 0), ("independent", 0, 0), ("base", 1, 1)], Slots(StageWaves.Assign(ordered, parallel: 2)));
    }
}
