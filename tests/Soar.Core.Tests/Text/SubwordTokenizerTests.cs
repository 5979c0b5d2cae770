using System.Text.Json.Nodes;
using Soar.Core.Models;
using Soar.Core.Text;

namespace Soar.Core.Tests.Text;

public class SubwordTokenizerTests
{
    private static readonly CaptionTokenizer Tokenizer = CaptionTokenizer.Build(["a red circle", "two blue squares", "the text \"AB7\""], kind: CaptionTokenizer.SubwordKind);

    private static int Id(int gpt2) => Tokenizer.Vocabulary.ToList().IndexOf($"gpt2:{gpt2}");

    [Fact]
    public void Captions_become_gpt2_pieces_in_the_model_vocabulary()
    {
        // GPT-2 (r50k/gpt2.tiktoken): "a" = 64, " red" = 2266, " circle" = 9197.
        var ids = Tokenizer.Encode("a red circle");
        Assert.Equal([CaptionTokenizer.BosId, Id(64), Id(2266), Id(9197), CaptionTokenizer.PadId], ids.Take(5));
        Assert.Equal(CaptionTokenizer.MaxTokensDefault, ids.Length);
        Assert.All(new[] { 64, 2266, 9197 }, g => Assert.True(Id(g) > CaptionTokenizer.UnknownId));
    }

    [Fact]
    public void An_unseen_word_encodes_as_unknown_instead_of_failing()
    {
        // " spaceship" is GPT-2 token 40663, never in the training captions.
        Assert.True(Tokenizer.TryEncode("a spaceship", out var ids, out var error), error);
        Assert.Equal([CaptionTokenizer.BosId, Id(64), CaptionTokenizer.UnknownId, CaptionTokenizer.PadId], ids.Take(4));
    }

    [Fact]
    public void Curly_quotes_full_width_letters_case_and_spacing_normalise_to_the_same_ids()
    {
        Assert.Equal("don't say \"hi\" - ok", CaptionNormalizer.Normalize("  DON\u2019T   say \u201Chi\u201D \u2014 ok "));
        Assert.Equal("abc", CaptionNormalizer.Normalize("\uFF21\uFF22\uFF23")); // full-width ABC (NFKC)
        Assert.Equal(Tokenizer.Encode("A  Red\tCircle"), Tokenizer.Encode("a red circle"));
    }

    [Fact]
    public void Quoted_text_is_spelled_one_character_at_a_time()
    {
        // Unquoted, GPT-2 splits "AB7" as "AB" + "7"; quoted, each character is its own single-character piece.
        var ids = Tokenizer.Encode("\"xy7\"");
        int quote = Id(1); // '"' = 1
        Assert.Equal([CaptionTokenizer.BosId, quote, Id(87), Id(88), Id(22), quote], ids.Take(6)); // x = 87, y = 88
    }

    [Fact]
    public void An_over_long_caption_is_cut_at_max_tokens()
    {
        var ids = Tokenizer.Encode(string.Join(" ", Enumerable.Repeat("red", 40)));
        Assert.Equal(CaptionTokenizer.MaxTokensDefault, ids.Length);
        Assert.DoesNotContain(CaptionTokenizer.PadId, ids);
    }

    [Fact]
    public void The_kind_round_trips_through_config_json_and_an_old_section_without_kind_is_word_level()
    {
        var section = TrainedModel.TokenizerJson(Tokenizer);
        Assert.Equal("subword", section["kind"]!.GetValue<string>());
        var config = new JsonObject
        {
            ["model"] = ModelRegistry.WriteConfig(ModelRegistry.FromPreset("unet-tiny", 16, Tokenizer.Vocabulary.Count, Tokenizer.MaxTokens, 1.0)),
            ["tokenizer"] = section,
        };
        var (_, read) = TrainedModel.ReadArchitecture(config, "test");
        Assert.Equal(CaptionTokenizer.SubwordKind, read.Kind);
        Assert.Equal(Tokenizer.Encode("a spaceship"), read.Encode("a spaceship"));

        var word = CaptionTokenizer.Build(["a red circle"]);
        var old = TrainedModel.TokenizerJson(word);
        old.Remove("kind");
        config["tokenizer"] = old;
        config["model"] = ModelRegistry.WriteConfig(ModelRegistry.FromPreset("unet-tiny", 16, word.Vocabulary.Count, word.MaxTokens, 1.0));
        var (_, legacy) = TrainedModel.ReadArchitecture(config, "test");
        Assert.Equal(CaptionTokenizer.WordKind, legacy.Kind);
        Assert.False(legacy.TryEncode("a spaceship", out _, out var error));
        Assert.Contains("unknown token 'spaceship'", error);
    }

    [Fact]
    public void A_malformed_subword_vocabulary_is_refused_naming_the_entry()
    {
        var e = Assert.Throws<InvalidDataException>(() => new CaptionTokenizer(["[pad]", "[bos]", "[unk]", "red"], 8, CaptionTokenizer.SubwordKind));
        Assert.Contains("entry 3 is 'red'", e.Message);
        Assert.Throws<InvalidDataException>(() => new CaptionTokenizer(["[pad]", "[bos]"], 8, "bpe"));
    }
}
