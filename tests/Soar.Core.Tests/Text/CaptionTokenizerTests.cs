using Soar.Core.Text;

namespace Soar.Core.Tests.Text;

public class CaptionTokenizerTests
{
    [Fact]
    public void Splits_words_and_quoted_characters()
    {
        Assert.Equal(new[] { "a", "photo", "of", "a", "red", "circle" }, CaptionTokenizer.Split("A photo of a red circle"));
        Assert.Equal(new[] { "the", "text", "\"", "a", "b", "7", "\"" }, CaptionTokenizer.Split("the text \"AB7\""));
    }

    [Fact]
    public void Encodes_with_bos_and_padding_and_round_trips_through_file()
    {
        var tok = CaptionTokenizer.Build(["a red circle", "the text \"AB\""], maxTokens: 8);
        var ids = tok.Encode("a red circle");
        Assert.Equal(CaptionTokenizer.BosId, ids[0]);
        Assert.Equal(8, ids.Length);
        Assert.All(ids[4..], id => Assert.Equal(CaptionTokenizer.PadId, id));
        Assert.Equal(new[] { CaptionTokenizer.BosId, 0, 0, 0, 0, 0, 0, 0 }, tok.Encode(""));
        // held-out quoted strings only need characters, which are always in the vocabulary
        tok.Encode("the text \"ZQ9\"");

        var path = Path.GetTempFileName();
        try
        {
            tok.Save(path);
            var loaded = CaptionTokenizer.Load(path);
            Assert.Equal(tok.Vocabulary, loaded.Vocabulary);
            Assert.Equal(ids, loaded.Encode("a red circle"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Unknown_token_and_overlong_caption_are_clear_errors()
    {
        var tok = CaptionTokenizer.Build(["a red circle"], maxTokens: 4);
        var unknown = Assert.Throws<CaptionException>(() => tok.Encode("a purple circle"));
        Assert.Contains("'purple'", unknown.Message);
        var tooLong = Assert.Throws<CaptionException>(() => tok.Encode("a red circle a"));
        Assert.Contains("longer than", tooLong.Message);
    }
}
