using Soar.Core.Imaging;
using Soar.Core.Stages;
using Soar.Core.Stages.Curate;
using Soar.Core.Worlds;
using static Soar.Core.Tests.Stages.StageHarness;

namespace Soar.Core.Tests.Stages.Sample;

/// <summary>The sample stage's default prompts: the world's held-out set, or on custom data the dataset's validation captions (as eval).</summary>
public class SamplePromptsTests : IDisposable
{
    private readonly StageHarness _h = new();

    /// <summary>A model trained on 40 custom images captioned "a bright thing" / "a dark thing".</summary>
    private void TrainOnCustomData(params (string Key, string Value)[] sft)
    {
        var source = _h.Dir.File("photos");
        Directory.CreateDirectory(source);
        var lines = new List<string>();
        int i = 0;
        foreach (var sample in new ShapesWorld().Sample(4, 40, 32))
        {
            ImageCodec.SavePng(sample.Image, Path.Combine(source, $"{i}.png"));
            lines.Add($"{{\"file_name\": \"{i}.png\", \"caption\": \"{(i % 2 == 0 ? "a bright thing" : "a dark thing")}\"}}");
            i++;
        }
        File.WriteAllLines(Path.Combine(source, "metadata.jsonl"), lines);
        _h.Run(new CurateStage(), "data", Params(("Source", source), ("ImageSize", "32"), ("ValidationFraction", "0.3")));
        _h.Sft("m", Params([("Steps", "1"), ("BatchSize", "4"), .. sft]), "data");
    }

    [Fact]
    public void Default_prompts_on_custom_data_are_the_validation_captions_and_the_log_says_so()
    {
        TrainOnCustomData();
        _h.Sample("grid", Params(("Count", "2"), ("Steps", "2")), "m", "data");
        Assert.Contains("prompts: the validation captions of dataset 'data' (Prompts=auto)", _h.Log.ToString());
        var prompts = File.ReadAllLines(_h.Dir.File("grid/samples.jsonl"));
        Assert.All(prompts, line => Assert.Matches("a (bright|dark) thing", line));
    }

    [Fact]
    public void Default_prompts_on_custom_data_without_the_dataset_upstream_name_the_fix()
    {
        TrainOnCustomData();
        var e = Assert.Throws<StageException>(() => _h.Sample("grid", Params(("Count", "2"), ("Steps", "2")), "m"));
        Assert.Equal("SOAR2202", e.Code);
        Assert.Contains("add the curate stage to Upstream", e.Message);
    }

    [Fact]
    public void Default_prompts_on_a_built_in_world_are_its_held_out_set()
    {
        _h.Curate(count: 16);
        _h.Sft("m", Params(("Steps", "1"), ("BatchSize", "4")), "data");
        _h.Sample("grid", Params(("Count", "2"), ("Steps", "2")), "m");
        Assert.Contains("prompts: the 'shapes' held-out set (Prompts=auto)", _h.Log.ToString());
    }

    [Fact]
    public void A_model_of_custom_data_has_an_open_vocabulary_so_unseen_words_and_curly_apostrophes_sample()
    {
        TrainOnCustomData();
        Assert.Contains("subword vocabulary", _h.Log.ToString());
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Soar.Core.Models.TrainedModel.ResolveCheckpointDir(_h.Dir.File("m")), "config.json")))!;
        Assert.Equal("subword", config["tokenizer"]!["kind"]!.GetValue<string>());
        _h.Sample("grid", Params(("Prompts", "a spaceship\u2019s bright thing|a dark thing"), ("Count", "2"), ("Steps", "2")), "m");
        Assert.Equal(2, File.ReadAllLines(_h.Dir.File("grid/samples.jsonl")).Length);
    }

    [Fact]
    public void Tokenizer_word_keeps_the_closed_vocabulary_and_names_the_unknown_word()
    {
        TrainOnCustomData(("Tokenizer", "word"));
        var e = Assert.ThrowsAny<Exception>(() => _h.Sample("grid", Params(("Prompts", "a spaceship"), ("Count", "1"), ("Steps", "2")), "m"));
        Assert.Contains("unknown token 'spaceship'", e.Message);
    }

    public void Dispose() => _h.Dispose();
}
