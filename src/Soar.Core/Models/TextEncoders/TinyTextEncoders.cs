using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// What `soar model init --architecture clip|t5` writes beside a tiny random model: a tokenizer folder in the
/// transformers layout. The CLIP one is CLIP's byte-level base vocabulary (the 256 byte symbols, each also with
/// "&lt;/w&gt;", then &lt;|startoftext|&gt; and &lt;|endoftext|&gt;: 514 ids) with no merges, so every prompt encodes
/// one byte symbol a piece. The T5 one is a 60-piece SentencePiece Unigram model made by spm_train (pad 0, eos 1,
/// unk 2, no bos, identity normalisation), shipped inside this assembly.
/// </summary>
public static class TinyTextEncoders
{
    public const int ClipVocabSize = 2 * 256 + 2;
    public const int T5Pieces = 60;
    private const string SpieceResource = "Soar.tiny-spiece.model";

    /// <summary>A CLIP text model small enough for tests: 2 layers of width 32, 4 heads, the tiny byte vocabulary, 77 positions.</summary>
    public static ClipTextConfig Clip { get; } = new()
    {
        VocabSize = ClipVocabSize, HiddenSize = 32, IntermediateSize = 64, ProjectionDim = 32, NumHiddenLayers = 2, NumAttentionHeads = 4,
        MaxPositionEmbeddings = 77, HiddenAct = "quick_gelu", PadTokenId = ClipVocabSize - 1, BosTokenId = ClipVocabSize - 2, EosTokenId = ClipTextConfig.LegacyEosTokenId,
    };

    /// <summary>
    /// A T5 v1.1-shaped encoder small enough for tests: gated-gelu, 2 layers of width 64 (room for two tiny CLIPs' 32 + 32
    /// in SD3's concatenation), 4 heads of 8, 64 ids.
    /// </summary>
    public static T5Config T5 { get; } = new()
    {
        VocabSize = 64, DModel = 64, DKv = 8, DFf = 128, NumLayers = 2, NumHeads = 4, FeedForwardProj = "gated-gelu",
        RelativeAttentionNumBuckets = 32, RelativeAttentionMaxDistance = 128, TieWordEmbeddings = false,
    };

    /// <summary>GPT-2's byte-to-symbol table, which CLIP's vocabulary is written in: printable bytes are themselves, the rest move to 256 + n.</summary>
    public static IReadOnlyList<char> ByteSymbols { get; } = BuildByteSymbols();

    private static char[] BuildByteSymbols()
    {
        var symbols = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            symbols[b] = printable ? (char)b : (char)(256 + next++);
        }
        return symbols;
    }

    /// <summary>The ordered symbols of <see cref="ClipVocabSize"/>: byte symbols in CLIP's order (printable first), the same with "&lt;/w&gt;", the two specials.</summary>
    public static IReadOnlyList<string> ClipVocabulary()
    {
        // CLIP lists the printable bytes first, then the moved ones, in byte order within each group.
        var order = Enumerable.Range(0, 256).Where(b => ByteSymbols[b] == (char)b).Concat(Enumerable.Range(0, 256).Where(b => ByteSymbols[b] != (char)b));
        var bytes = order.Select(b => ByteSymbols[b].ToString()).ToList();
        return [.. bytes, .. bytes.Select(s => s + ClipTokenizer.EndOfWordSuffix), "<|startoftext|>", "<|endoftext|>"];
    }

    public static void WriteClipTokenizer(string dir, string padToken = "<|endoftext|>")
    {
        Directory.CreateDirectory(dir);
        var vocab = ClipVocabulary();
        var json = new JsonObject(vocab.Select((s, i) => KeyValuePair.Create(s, (JsonNode?)i)));
        DurableFile.WriteText(Path.Combine(dir, ClipTokenizer.VocabFile), json.ToJsonString() + "\n");
        DurableFile.WriteText(Path.Combine(dir, ClipTokenizer.MergesFile), "#version: 0.2\n");
        (ClipTokenizer.Defaults with { PadToken = padToken }).Write(dir, ClipTokenizer.TokenizerClass, new Dictionary<string, JsonNode?> { ["do_lower_case"] = true });
    }

    public static void WriteT5Tokenizer(string dir)
    {
        Directory.CreateDirectory(dir);
        using (var resource = typeof(TinyTextEncoders).Assembly.GetManifestResourceStream(SpieceResource)
            ?? throw new InvalidOperationException($"resource {SpieceResource} is missing from {typeof(TinyTextEncoders).Assembly.GetName().Name}"))
            DurableFile.Write(Path.Combine(dir, T5Tokenizer.ModelFile), resource.CopyTo);
        (T5Tokenizer.Defaults with { ModelMaxLength = 512 }).Write(dir, T5Tokenizer.TokenizerClass, new Dictionary<string, JsonNode?> { ["extra_ids"] = 0, ["legacy"] = true });
    }
}
