using Soar.Core.Stages;
using Soar.Core.Stages.Eval;
using Soar.Core.Worlds;

namespace Soar.Core.Tests.Stages.Eval;

public class EvalPromptSetsTests
{
    private readonly StringWriter _log = new();

    [Fact]
    public void In_distribution_draws_are_training_compositions_split_evenly_over_the_tasks()
    {
        var world = new ShapesWorld();
        var (prompts, unwritable) = InDistributionPrompts.Draw(world, 62, 1234, 32, _ => true, "eval");
        Assert.Equal(0, unwritable);
        Assert.Equal(62, prompts.Count);
        // 62 = 6 x 10 + 2: the first two families of the world take one more.
        var families = world.EvalPrompts().Select(p => p.Family).Distinct().ToList();
        Assert.Equal(families.Select((f, i) => i < 2 ? 11 : 10), families.Select(f => prompts.Count(p => p.Family == f)));
        Assert.All(prompts, p => Assert.False(ShapesHeldOut.IsHeldOut(p.Spec!), p.Caption));
        Assert.All(prompts, p => Assert.Equal(ShapesCaptions.For(p.Spec!), p.Caption));
        // A pure function of the stream: the same stream draws the same captions, another stream others.
        Assert.Equal(prompts.Select(p => p.Caption), InDistributionPrompts.Draw(world, 62, 1234, 32, _ => true, "eval").Prompts.Select(p => p.Caption));
        Assert.NotEqual(prompts.Select(p => p.Caption), InDistributionPrompts.Draw(world, 62, 1235, 32, _ => true, "eval").Prompts.Select(p => p.Caption));

        var glyphs = InDistributionPrompts.Draw(new GlyphsWorld(), 40, 99, 32, _ => true, "eval").Prompts;
        Assert.All(glyphs, p => Assert.Equal(TaskFamily.Text, p.Family));
        Assert.All(glyphs, p => Assert.False(GlyphsWorld.IsHeldOut(p.Spec!.Text!), p.Caption));
    }

    [Fact]
    public void Captions_an_arm_cannot_write_are_drawn_again_and_a_task_that_never_fills_is_an_error()
    {
        var world = new ShapesWorld();
        var (prompts, unwritable) = InDistributionPrompts.Draw(world, 30, 7, 32, c => !c.Contains("circle"), "eval");
        Assert.Equal(30, prompts.Count);
        Assert.True(unwritable > 0);
        Assert.DoesNotContain(prompts, p => p.Caption.Contains("circle"));

        // Counting captions all name a number from two to four.
        var e = Assert.Throws<StageException>(() => InDistributionPrompts.Draw(world, 6, 7, 32, c => !c.Contains(" two ") && !c.Contains(" three ") && !c.Contains(" four "), "eval"));
        Assert.Equal("SOAR2404", e.Code);
        Assert.Contains("counting (0 of 1)", e.Message);
        Assert.Contains("InDistributionPrompts", e.Message);
    }

    [Fact]
    public void The_default_gives_both_sets_and_PromptsPerTask_cuts_only_the_fixed_ones()
    {
        var world = new ShapesWorld();
        var sets = Resolve("in_distribution;held_out", world, perTask: 2);
        Assert.Equal([EvalPromptSet.InDistribution, EvalPromptSet.HeldOut], sets.Select(s => s.Name));
        Assert.Equal(12, sets[0].Prompts.Count);
        var heldOut = world.HeldOutPrompts();
        Assert.Equal(heldOut.GroupBy(p => p.Family).Sum(g => Math.Min(2, g.Count())), sets[1].Prompts.Count);
        Assert.All(sets[1].Prompts, p => Assert.Contains(p.Caption, heldOut.Select(h => h.Caption)));
        Assert.Equal(heldOut.Count, Resolve("heldout", world).Single().Prompts.Count);
        Assert.Equal(world.EvalPrompts().Count, Resolve("eval", world).Single().Prompts.Count);

        var custom = Resolve(" a red circle | a blue square ;held_out", world);
        Assert.Equal([EvalPromptSet.Custom, EvalPromptSet.HeldOut], custom.Select(s => s.Name));
        Assert.Equal(["a red circle", "a blue square"], custom[0].Prompts.Select(p => p.Caption));

        var twice = Assert.Throws<StageException>(() => Resolve("held_out;heldout", world));
        Assert.Contains("'held_out' twice", twice.Message);
        Assert.Contains("';'", Assert.Throws<StageException>(() => Resolve(" ; ", world)).Message);
    }

    [Fact]
    public void Custom_data_has_no_held_out_set()
    {
        var none = Assert.Throws<StageException>(() => Resolve("held_out", null));
        Assert.Equal("SOAR2404", none.Code);
        Assert.Contains("no held-out compositions", none.Message);
        var noData = Assert.Throws<StageException>(() => Resolve("in_distribution;held_out", null));
        Assert.Contains("add the curate stage", noData.Message);
        Assert.Contains("no held-out compositions", _log.ToString());
        Assert.Equal([EvalPromptSet.Custom], Resolve("a thing|another thing;held_out", null).Select(s => s.Name));
        Assert.Contains("only for a built-in world", Assert.Throws<StageException>(() => Resolve("eval", null)).Message);
        // auto is the default pair of sets.
        Assert.Equal([EvalPromptSet.InDistribution, EvalPromptSet.HeldOut], Resolve("auto", new ShapesWorld()).Select(s => s.Name));
    }

    private IReadOnlyList<EvalPromptSet> Resolve(string parameter, IWorld? world, int perTask = 0) =>
        EvalPromptSets.Resolve(parameter, new EvalPromptSets.Source(world, null, perTask,
            w => InDistributionPrompts.Draw(w, 12, 5, 32, _ => true, "eval").Prompts), new ConsoleStageLog("eval", _log), "eval");
}
