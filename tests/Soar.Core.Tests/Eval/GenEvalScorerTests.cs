using Soar.Core.Eval.Detection;
using Soar.Core.Eval.Scoring;
using Soar.Core.Imaging;
using Soar.Core.Rewards;
using Soar.Core.Worlds;

namespace Soar.Core.Tests.Eval;

public class GenEvalScorerTests
{
    private readonly ShapesWorld _world = new();

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    public void Ground_truth_renders_of_the_eval_prompts_score_at_least_99_percent(int size)
    {
        var prompts = _world.EvalPrompts();
        int correct = 0, total = 0;
        var failures = new List<string>();
        for (long seed = 0; seed < 6; seed++)
            foreach (var prompt in prompts)
            {
                var sample = _world.Render(prompt, seed, size);
                var score = GenEvalScorer.Score(sample.Image, prompt.Spec);
                total++;
                if (score.Correct && score.PartialCredit == 1) correct++;
                else failures.Add($"{prompt.Caption} seed {seed}: {score.Reason}");
            }
        Assert.True(correct >= 0.99 * total, $"{correct}/{total} correct at {size} px; first failures: {string.Join(" | ", failures.Take(5))}");
    }

    [Fact]
    public void Detector_finds_every_ground_truth_object_of_training_samples_exactly()
    {
        foreach (var sample in _world.Sample(7, 300, 32))
        {
            var found = ShapeDetector.Detect(sample.Image);
            Assert.Equal(sample.Annotations.Objects.Count, found.Count);
            foreach (var truth in sample.Annotations.Objects)
            {
                var match = Assert.Single(found, d => d.Box == truth.Box);
                Assert.Equal(truth.Color, match.Color);
                Assert.Contains(truth.Class, match.Classes);
                Assert.Equal(1.0, match.Agreement);
            }
        }
    }

    [Fact]
    public void Wrong_colour_scores_zero_with_partial_credit()
    {
        var image = Draw(32, ("circle", "blue", 4, 4, 9));
        var score = GenEvalScorer.Score(image, Spec(TaskFamily.Colors, new ObjectSpec("circle", 1, "red")));
        Assert.False(score.Correct);
        Assert.Equal(0.5, score.PartialCredit, 9); // present, wrong colour
        Assert.Contains("blue", score.Reason);
        Assert.True(GenEvalScorer.Score(image, Spec(TaskFamily.Colors, new ObjectSpec("circle", 1, "blue"))).Correct);
    }

    [Fact]
    public void Counting_needs_exactly_n_and_gives_count_closeness()
    {
        var two = Draw(32, ("square", "red", 2, 2, 8), ("square", "green", 20, 20, 8));
        var three = Draw(32, ("square", "red", 2, 2, 8), ("square", "green", 20, 20, 8), ("square", "white", 2, 20, 8));
        var spec = Spec(TaskFamily.Counting, new ObjectSpec("square", 3));
        var s2 = GenEvalScorer.Score(two, spec);
        Assert.False(s2.Correct);
        Assert.Equal(1 - 1 / 3.0, s2.PartialCredit, 9);
        Assert.True(GenEvalScorer.Score(three, spec).Correct);
        var s4 = GenEvalScorer.Score(three, Spec(TaskFamily.Counting, new ObjectSpec("square", 2)));
        Assert.False(s4.Correct); // three is not exactly two
        Assert.Equal(0.5, s4.PartialCredit, 9);
    }

    [Fact]
    public void Position_reversed_scores_zero()
    {
        var image = Draw(32, ("circle", "red", 2, 12, 8), ("square", "blue", 22, 12, 8));
        Assert.True(GenEvalScorer.Score(image, Spec(TaskFamily.Position, new ObjectSpec("circle"), new ObjectSpec("square"), SpatialRelation.LeftOf)).Correct);
        var reversed = GenEvalScorer.Score(image, Spec(TaskFamily.Position, new ObjectSpec("circle"), new ObjectSpec("square"), SpatialRelation.RightOf));
        Assert.False(reversed.Correct);
        Assert.Equal(2 / 3.0, reversed.PartialCredit, 9);
        Assert.False(GenEvalScorer.Score(image, Spec(TaskFamily.Position, new ObjectSpec("circle"), new ObjectSpec("square"), SpatialRelation.Above)).Correct);
    }

    [Fact]
    public void Two_objects_need_two_distinct_detections_and_colour_attribution_binds_colours()
    {
        var image = Draw(32, ("triangle", "red", 2, 2, 9), ("cross", "green", 18, 18, 9));
        Assert.True(GenEvalScorer.Score(image, Spec(TaskFamily.TwoObject, new ObjectSpec("triangle"), new ObjectSpec("cross"))).Correct);
        var missing = GenEvalScorer.Score(image, Spec(TaskFamily.TwoObject, new ObjectSpec("triangle"), new ObjectSpec("circle")));
        Assert.False(missing.Correct);
        Assert.Contains("circle>=1, found 0", missing.Reason);
        Assert.True(GenEvalScorer.Score(image, Spec(TaskFamily.ColorAttr, new ObjectSpec("triangle", 1, "red"), new ObjectSpec("cross", 1, "green"))).Correct);
        // Swapped colours: both shapes present, both colours wrong.
        var swapped = GenEvalScorer.Score(image, Spec(TaskFamily.ColorAttr, new ObjectSpec("triangle", 1, "green"), new ObjectSpec("cross", 1, "red")));
        Assert.False(swapped.Correct);
        Assert.Equal(0.5, swapped.PartialCredit, 9);
        Assert.False(GenEvalScorer.Score(Draw(32, ("triangle", "red", 2, 2, 9)), Spec(TaskFamily.TwoObject, new ObjectSpec("triangle"), new ObjectSpec("triangle"))).Correct);
    }

    [Fact]
    public void Single_object_accepts_extra_objects_and_rejects_a_blank_or_a_blob()
    {
        var image = Draw(32, ("diamond", "yellow", 3, 3, 9), ("square", "cyan", 18, 18, 9));
        Assert.True(GenEvalScorer.Score(image, Spec(TaskFamily.SingleObject, new ObjectSpec("diamond"))).Correct);
        Assert.False(GenEvalScorer.Score(new RgbImage(32, 32), Spec(TaskFamily.SingleObject, new ObjectSpec("diamond"))).Correct);
        // A one-pixel-wide diagonal line is ink but no shape.
        var line = new RgbImage(32, 32);
        for (int i = 2; i < 30; i++) line[i, i] = (255, 0, 0);
        Assert.Empty(ShapeDetector.Detect(line));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(64)]
    public void Ground_truth_renders_score_one_on_every_task(int size)
    {
        // The eval prompts (held-out compositions) and training draws (every family, training compositions).
        var samples = Enumerable.Range(0, 4).SelectMany(seed => _world.EvalPrompts().Select(p => _world.Render(p, seed, size)))
            .Concat(_world.Sample(21, 300, size));
        var failures = new List<string>();
        foreach (var group in samples.GroupBy(s => s.Family))
            foreach (var sample in group)
            {
                var score = GenEvalScorer.Score(sample.Image, sample.Annotations.Spec!);
                if (!score.Correct || score.PartialCredit != 1) failures.Add($"{group.Key}: {sample.Caption}: {score.Reason}");
            }
        Assert.True(failures.Count == 0, $"{failures.Count} ground-truth renders failed at {size} px: {string.Join(" | ", failures.Take(5))}");
    }

    [Fact]
    public void A_blob_far_below_the_smallest_object_side_is_no_object()
    {
        // 4x4 px draws the same 12 pixels for circle, cross and diamond; the world's objects are 7 to 10 px at 32 px.
        Assert.True(ShapesLayout.SizeRange(32).Min >= 7);
        var blob = Draw(32, ("circle", "red", 14, 14, 4));
        Assert.Empty(ShapeDetector.Detect(blob));
        var reward = new GenEvalReward();
        foreach (var cls in new[] { ShapeClasses.Circle, ShapeClasses.Cross, ShapeClasses.Diamond })
        {
            var prompt = ShapesCaptions.Prompt(Spec(TaskFamily.SingleObject, new ObjectSpec(cls)));
            Assert.False(GenEvalScorer.Score(blob, prompt.Spec).Correct, cls);
            Assert.Equal(0.0, reward.Score([blob], [RewardPrompt.From(prompt)])[0]);
        }
        // Two pixels under the world's smallest side is still too small; one pixel under (a blurred edge) is an object.
        int min = ShapesLayout.SizeRange(32).Min;
        Assert.Empty(ShapeDetector.Detect(Draw(32, ("square", "red", 4, 4, min - 2))));
        Assert.True(Assert.Single(ShapeDetector.Detect(Draw(32, ("square", "red", 4, 4, min - 1)))).Is("square"));
        // A bar as long as an object but two pixels thick is no square.
        var bar = new RgbImage(32, 32);
        for (int x = 4; x < 4 + min + 2; x++) for (int y = 10; y < 12; y++) bar[x, y] = (0, 255, 0);
        Assert.Empty(ShapeDetector.Detect(bar));
    }

    [Fact]
    public void A_constant_canvas_or_an_object_far_above_the_largest_side_is_no_object()
    {
        foreach (var (name, rgb) in ShapePalette.Colors)
        {
            var canvas = new RgbImage(32, 32);
            for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) canvas[x, y] = rgb;
            Assert.Empty(ShapeDetector.Detect(canvas));
            var prompt = ShapesCaptions.Prompt(Spec(TaskFamily.Colors, new ObjectSpec("square", 1, name)));
            Assert.Equal(0.0, GenEvalScorer.Score(canvas, prompt.Spec).PartialCredit);
            Assert.Equal(0.0, new GenEvalReward().Score([canvas], [RewardPrompt.From(prompt)])[0]);
        }
        int max = ShapesLayout.SizeRange(32).Max;
        Assert.Empty(ShapeDetector.Detect(Draw(32, ("circle", "blue", 2, 2, max + 2))));
        Assert.True(Assert.Single(ShapeDetector.Detect(Draw(32, ("circle", "blue", 2, 2, max + 1)))).Is("circle"));
    }

    [Fact]
    public void A_detection_has_one_class_unless_the_world_itself_draws_the_classes_alike()
    {
        foreach (int size in new[] { 32, 64 })
            foreach (var sample in _world.Sample(3, 100, size))
                Assert.All(ShapeDetector.Detect(sample.Image), d => Assert.Single(d.Classes));
        // On a 16 px canvas the world draws 4 px objects, where circle, cross and diamond are the same pixels ...
        Assert.Equal(4, ShapesLayout.SizeRange(16).Min);
        var drawn = Assert.Single(ShapeDetector.Detect(Draw(16, ("circle", "red", 6, 6, 4))));
        Assert.Equal([ShapeClasses.Circle, ShapeClasses.Cross, ShapeClasses.Diamond], drawn.Classes.Order());
        // ... but a 3 px square, a pixel under any side it draws, is circle and square at once, so it is no object.
        Assert.Empty(ShapeDetector.Detect(Draw(16, ("square", "red", 6, 6, 3))));
    }

    [Fact]
    public void Speckle_noise_does_not_change_the_verdict()
    {
        var rng = new WorldRandom(5);
        int correct = 0, total = 0;
        foreach (var prompt in _world.EvalPrompts())
        {
            var image = _world.Render(prompt, 3, 32).Image;
            // Jitter every channel by up to +-40 and sprinkle a few isolated bright pixels on the background.
            for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)Math.Clamp(image.Pixels[i] + rng.NextInclusive(-40, 40), 0, 255);
            for (int k = 0; k < 4; k++) image[rng.Next(32), rng.Next(32)] = (255, 255, 255);
            total++;
            if (GenEvalScorer.Score(image, prompt.Spec).Correct) correct++;
        }
        Assert.True(correct >= 0.95 * total, $"{correct}/{total}");
    }

    [Fact]
    public void Overall_is_the_unweighted_mean_of_the_task_means()
    {
        // single_object 2/2, counting 1/4: the image mean would be 3/6 = 0.5, GenEval's overall is (1 + 0.25) / 2.
        var images = new[] { ("single_object", true), ("single_object", true), ("counting", true), ("counting", false), ("counting", false), ("counting", false) };
        Assert.Equal(0.625, GenEvalSummary.Overall(images), 12);
    }

    private static PromptSpec Spec(string family, ObjectSpec a, ObjectSpec? b = null, string? relation = null) =>
        new(family, b is null ? [a] : [a, b], relation);

    private static RgbImage Draw(int size, params (string Class, string Color, int X, int Y, int Side)[] shapes)
    {
        var image = new RgbImage(size, size);
        foreach (var s in shapes) ShapeRasterizer.Draw(image, s.Class, new BoundingBox(s.X, s.Y, s.X + s.Side, s.Y + s.Side), ShapePalette.Rgb(s.Color));
        return image;
    }
}
