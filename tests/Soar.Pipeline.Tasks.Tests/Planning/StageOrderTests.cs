using Soar.Pipeline.Tasks;
using static Soar.Pipeline.Tasks.Tests.Planning.PipelinePlannerTests;

namespace Soar.Pipeline.Tasks.Tests.Planning;

public class StageOrderTests
{
    [Fact]
    public void Independent_stages_keep_the_declaration_order()
    {
        var order = StageOrder.Sort([Stage("c", "data"), Stage("a", "data"), Stage("b", "data")], out var cycle);
        Assert.Null(cycle);
        Assert.Equal(["c", "a", "b"], order.Select(s => s.Name));
    }

    [Fact]
    public void A_stage_waits_for_all_its_upstreams_and_ties_follow_declaration_order()
    {
        // eval reads both models; model2 is declared before data but needs it.
        var order = StageOrder.Sort(
            [Stage("eval", "train", "model1;model2"), Stage("model2", "train", "data"), Stage("data", "data"), Stage("model1", "train", "data")], out _);
        Assert.Equal(["data", "model2", "model1", "eval"], order.Select(s => s.Name));
    }

    [Fact]
    public void Repeated_upstream_is_counted_once()
    {
        var order = StageOrder.Sort([Stage("data", "data"), Stage("m", "train", "data;data")], out var cycle);
        Assert.Null(cycle);
        Assert.Equal(["data", "m"], order.Select(s => s.Name));
    }

    [Fact]
    public void A_cycle_behind_a_valid_prefix_is_found()
    {
        var order = StageOrder.Sort([Stage("ok", "data"), Stage("x", "train", "ok;y"), Stage("y", "train", "x")], out var cycle);
        Assert.Empty(order);
        Assert.Equal(["x", "y", "x"], cycle);
    }
}
