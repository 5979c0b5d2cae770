using Soar.Core.Imaging;
using Soar.Core.Rewards;
using Soar.Core.Worlds;

namespace Soar.Core.Tests.Rewards;

public class WorldRewardTests
{
    [Fact]
    public void Geneval_gives_full_credit_to_ground_truth_renders_and_partial_credit_for_a_near_count()
    {
        var world = WorldCatalog.Get("shapes");
        var samples = world.Sample(4, 24, 32).ToArray();
        var reward = RewardCatalog.Create("auto", "shapes", ".", TimeSpan.FromSeconds(1));
        Assert.Equal("geneval", reward.Name);
        Assert.All(reward.Score(samples.Select(s => s.Image).ToArray(), samples.Select(s => RewardPrompt.From(s.Prompt)).ToArray()), r => Assert.Equal(1.0, r));

        // The same image asked for one more object: count closeness 1 - 1/(N + 1).
        var counting = samples.First(s => s.Family == TaskFamily.Counting);
        var group = counting.Prompt.Spec.Objects[0];
        var askMore = counting.Prompt.Spec with { Objects = [group with { Count = group.Count + 1 }] };
        var partial = reward.Score([counting.Image], [new RewardPrompt("more", askMore)]);
        Assert.Equal(1 - 1.0 / (group.Count + 1), partial[0], 12);
        Assert.Equal(0.0, reward.Score([Blank()], [RewardPrompt.From(counting.Prompt)])[0]);
        // A constant canvas is no object: it used to be one canvas-sized square, half the credit for "two squares".
        Assert.Equal(0.0, reward.Score([Blank()], [new RewardPrompt("two squares", new PromptSpec(TaskFamily.Counting, [new ObjectSpec(ShapeClasses.Square, 2)]))])[0]);
    }

    [Fact]
    public void Geneval_without_a_spec_says_which_prompt_and_what_to_use()
    {
        var e = Assert.Throws<RewardException>(() => new GenEvalReward().Score([Blank()], [new RewardPrompt("a red circle")]));
        Assert.Contains("'a red circle'", e.Message);
        Assert.Contains("Prompts=train", e.Message);
    }

    [Fact]
    public void Ocr_scores_renders_of_the_glyphs_world_against_their_quoted_text()
    {
        var world = WorldCatalog.Get("glyphs");
        var samples = world.Sample(2, 8, 32).ToArray();
        var reward = RewardCatalog.Create("auto", "glyphs", ".", TimeSpan.FromSeconds(1));
        Assert.Equal("ocr", reward.Name);
        Assert.All(reward.Score(samples.Select(s => s.Image).ToArray(), samples.Select(s => new RewardPrompt(s.Caption)).ToArray()), r => Assert.Equal(1.0, r));
        static string Text(WorldSample s) => Soar.Core.Eval.Scoring.OcrScorer.TargetOf(s.Caption);
        var other = world.Sample(3, 64, 32).First(s => !Text(s).Intersect(Text(samples[0])).Any());
        double wrong = reward.Score([samples[0].Image], [new RewardPrompt(other.Caption)])[0];
        Assert.Equal(Soar.Core.Eval.Scoring.OcrScorer.Score(samples[0].Image, other.Caption), wrong);
        Assert.True(wrong < 1, $"'{samples[0].Caption}' scored {wrong} against '{other.Caption}'");
        Assert.Throws<RewardException>(() => reward.Score([Blank()], [new RewardPrompt("no quotes here")]));
        // A constant canvas reads as no text, so it earns nothing (it used to read "B").
        Assert.Equal(0.0, reward.Score([Blank()], [new RewardPrompt("the text \"B0\"")])[0]);
    }

    [Fact]
    public void Auto_needs_a_built_in_world()
    {
        var e = Assert.Throws<RewardException>(() => RewardCatalog.Create("auto", "custom", ".", TimeSpan.FromSeconds(1)));
        Assert.Contains("'custom'", e.Message);
    }

    private static RgbImage Blank()
    {
        var image = new RgbImage(32, 32);
        Array.Fill(image.Pixels, (byte)255);
        return image;
    }
}
