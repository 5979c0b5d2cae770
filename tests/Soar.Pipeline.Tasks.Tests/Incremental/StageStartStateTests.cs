using System.Text.Json;
using Soar.Pipeline.Tasks;

namespace Soar.Pipeline.Tasks.Tests.Incremental;

public class StageStartStateTests
{
    private static string Stamp(int steps) =>
        ParameterStamp.Text("sft", new Dictionary<string, string> { ["Steps"] = steps.ToString(), ["Seed"] = "0" }, ["data"], "0.1.0", []);

    private static void FinishedUpstream(TempFolder temp, string contentHash) =>
        temp.File("data/manifest.json", JsonSerializer.Serialize(new { contentHash, outputs = new { } }));

    [Fact]
    public void A_run_whose_declaration_and_upstream_are_unchanged_may_move_its_outputs()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        temp.File(".stamps/base.params", Stamp(200));
        FinishedUpstream(temp, "aaaaaaaaaaaaaaaa");

        var started = StageStartState.Capture(layout, "base", [KeyValuePair.Create("data", "aaaaaaaaaaaaaaaa")]);

        Assert.Null(started.Drift(layout));
    }

    [Fact]
    public void A_later_build_that_changed_a_parameter_makes_the_run_stale_and_names_the_change()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        temp.File(".stamps/base.params", Stamp(200));
        FinishedUpstream(temp, "aaaaaaaaaaaaaaaa");
        var started = StageStartState.Capture(layout, "base", [KeyValuePair.Create("data", "aaaaaaaaaaaaaaaa")]);

        FileStamp.WriteIfDifferent(layout.ParameterStamp("base"), Stamp(40));  // what the next build's ResolveSoarStages does

        Assert.Equal("its declaration changed (Steps=200 is now Steps=40)", started.Drift(layout));
    }

    [Fact]
    public void A_rebuilt_upstream_makes_the_run_stale()
    {
        using var temp = new TempFolder();
        var layout = new StageLayout(temp.Path);
        temp.File(".stamps/base.params", Stamp(200));
        FinishedUpstream(temp, "aaaaaaaaaaaaaaaa");
        var started = StageStartState.Capture(layout, "base", [KeyValuePair.Create("data", "aaaaaaaaaaaaaaaa")]);

        FinishedUpstream(temp, "bbbbbbbbbbbbbbbb");

        Assert.Equal("upstream 'data' was rebuilt with other outputs (aaaaaaaaaaaa is now bbbbbbbbbbbb)", started.Drift(layout));
    }
}
