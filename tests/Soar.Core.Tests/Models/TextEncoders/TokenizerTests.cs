using System.Text.Json.Nodes;
using Soar.Core.Models.TextEncoders;

namespace Soar.Core.Tests.Models.TextEncoders;

/// <summary>CLIP's BPE and T5's SentencePiece tokenizers through Microsoft.ML.Tokenizers, with ids derived by hand or by spm_encode.</summary>
public sealed class TokenizerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-tok-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A hand-written CLIP vocabulary: merges in rank order "r e", "a t&lt;/w&gt;", "c at&lt;/w&gt;", "re d&lt;/w&gt;".</summary>
    private string HandClip(JsonNode? padToken = null)
    {
        var dir = Path.Combine(_root, $"clip-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string[] vocab = ["!", "a</w>", "c", "a", "t", "s</w>", "r", "e", "d</w>", "re", "red</w>", "at</w>", "cat</w>", ",</w>", "<|startoftext|>", "<|endoftext|>", "t</w>"];
        File.WriteAllText(Path.Combine(dir, "vocab.json"), new JsonObject(vocab.Select((s, i) => KeyValuePair.Create(s, (JsonNode?)i))).ToJsonString());
        File.WriteAllText(Path.Combine(dir, "merges.txt"), "#version: 0.2\nr e\na t</w>\nc at</w>\nre d</w>\n");
        var config = new JsonObject { ["model_max_length"] = 12, ["tokenizer_class"] = "CLIPTokenizer", ["bos_token"] = "<|startoftext|>", ["eos_token"] = "<|endoftext|>" };
        if (padToken is not null) config["pad_token"] = padToken;
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), config.ToJsonString());
        return dir;
    }

    /// <summary>
    /// "A  red CAT, cats" is cleaned to "a red cat, cats" and split into a | red | cat | , | cats. By the merge ranks:
    /// a -> a&lt;/w&gt; (1); r e d&lt;/w&gt; -> re d&lt;/w&gt; -> red&lt;/w&gt; (10); c a t&lt;/w&gt; -> c at&lt;/w&gt; -> cat&lt;/w&gt; (12);
    /// , -> ,&lt;/w&gt; (13); c a t s&lt;/w&gt; has no merge (2 3 4 5). bos 14 first, eos 15 after, then the pad token.
    /// </summary>
    [Fact]
    public void Clip_ids_follow_the_merge_ranks_with_bos_eos_and_the_folder_s_pad_token()
    {
        var eosPadded = ClipTokenizer.Load(HandClip());
        Assert.Equal([1, 10, 12, 13, 2, 3, 4, 5], eosPadded.Pieces("A  red CAT, cats"));
        Assert.Equal(12, eosPadded.MaxLength);
        Assert.Equal(new TokenizedPrompt([14, 1, 10, 12, 13, 2, 3, 4, 5, 15, 15, 15], false), eosPadded.Encode("A  red CAT, cats"));
        // CLIP-G's tokenizer_2 says pad_token "!" (an AddedToken object here): id 0.
        var bangPadded = ClipTokenizer.Load(HandClip(new JsonObject { ["content"] = "!", ["lstrip"] = false }));
        Assert.Equal(new TokenizedPrompt([14, 1, 10, 12, 13, 2, 3, 4, 5, 15, 0, 0], false), bangPadded.Encode("A  red CAT, cats"));
        Assert.Equal(new TokenizedPrompt([14, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], false), bangPadded.Encode(""));
        // Cut to length - 2 pieces, eos kept last.
        Assert.Equal(new TokenizedPrompt([14, 1, 10, 12, 13, 15], true), eosPadded.Encode("a red cat, cats", 6));
        // A symbol outside the vocabulary is the unknown token (<|endoftext|>, CLIPTokenizer's default).
        Assert.Equal([15], eosPadded.Pieces("x"));
    }

    [Fact]
    public void The_tiny_clip_tokenizer_spells_every_prompt_in_byte_symbols()
    {
        var dir = Path.Combine(_root, "tiny");
        TinyTextEncoders.WriteClipTokenizer(dir, padToken: "!");
        var tokenizer = ClipTokenizer.Load(dir);
        var vocab = TinyTextEncoders.ClipVocabulary();
        Assert.Equal(514, vocab.Count);
        Assert.Equal("!", vocab[0]);
        Assert.Equal((512, 513, 0, 77), (tokenizer.BosId, tokenizer.EosId, tokenizer.PadId, tokenizer.MaxLength));
        // "a b" -> a</w> (a is byte 97, the 65th printable symbol: id 64 + 256) and b</w>; é is bytes C3 A9, symbols Ã (id 130) and ©</w>.
        Assert.Equal([64 + 256, 65 + 256], tokenizer.Pieces("a B"));
        Assert.Equal([vocab.ToList().IndexOf("Ã"), vocab.ToList().IndexOf("©</w>")], tokenizer.Pieces("é"));
    }

    /// <summary>Expected ids printed by spm_encode --output_format=id for the fixture model (see spiece-corpus.txt).</summary>
    [Fact]
    public void T5_ids_match_sentencepiece_s_own_encoder_then_eos_and_pad()
    {
        var dir = Path.Combine(_root, "t5");
        Directory.CreateDirectory(dir);
        File.Copy(TinyText.Fixture("spiece-nfkc.model"), Path.Combine(dir, "spiece.model"));
        var t5 = T5Tokenizer.Load(dir);
        Assert.Equal((1, 0), (t5.EosId, t5.PadId));
        Assert.Equal([4, 51, 4, 29, 7, 41, 39, 49, 20, 28, 6, 4, 2, 9, 45, 19, 11, 2], t5.Pieces("A red cat,  two   Stars!"));
        Assert.Equal([5, 40, 30, 6, 9, 6, 12, 10, 5, 41, 39], t5.Pieces("a photo of a cat"));
        Assert.Equal([4, 43, 45, 7, 24, 8, 27, 7, 20, 19, 45, 58, 59, 24, 8], t5.Pieces("  leading and trailing  "));
        // NFKC through the model's precompiled charsmap: full-width letters and the fi ligature.
        Assert.Equal([20, 28, 6, 4, 29, 7, 13, 11], t5.Pieces("ｔｗｏ red circles"));
        Assert.Equal([5, 4, 10, 58, 11, 30], t5.Pieces("a ﬁsh"));
        // Unknown characters in a row (upper case is not in the vocabulary) are one unknown piece (2), as in SentencePiece.
        Assert.Equal([4, 2, 4, 29, 7, 13, 11], t5.Pieces("ＴＷＯ red circles"));
        Assert.Equal([4, 2, 3, 48, 19, 45, 4, 57, 22, 6, 53, 53, 45], t5.Pieces("zebra quokka"));
        Assert.Equal(new TokenizedPrompt([5, 4, 10, 58, 11, 30, 1, 0, 0, 0], false), t5.Encode("a ﬁsh", 10));
        Assert.Equal(new TokenizedPrompt([4, 51, 4, 29, 7, 41, 39, 49, 20, 28, 6, 1], true), t5.Encode("A red cat,  two   Stars!", 12));
        Assert.Equal(new TokenizedPrompt([1, 0, 0, 0], false), t5.Encode("", 4));
        Assert.Equal(256, t5.Encode("a").Ids.Length);

        // The tiny tokenizer `soar model init` writes has identity normalisation: the full-width letters are unknown (2).
        var tiny = Path.Combine(_root, "tiny-t5");
        TinyTextEncoders.WriteT5Tokenizer(tiny);
        Assert.Equal([4, 2, 4, 29, 7, 13, 11], T5Tokenizer.Load(tiny).Pieces("ｔｗｏ red circles"));
    }

    [Fact]
    public void A_folder_without_tokenizer_files_or_with_a_pad_token_outside_the_vocabulary_says_so()
    {
        Assert.Contains("vocab.json", Assert.Throws<FileNotFoundException>(() => ClipTokenizer.Load(_root)).Message);
        Assert.Contains("spiece.model", Assert.Throws<FileNotFoundException>(() => T5Tokenizer.Load(_root)).Message);
        Assert.Contains("pad_token \"<pad>\"", Assert.Throws<InvalidDataException>(() => ClipTokenizer.Load(HandClip("<pad>"))).Message);
    }
}
