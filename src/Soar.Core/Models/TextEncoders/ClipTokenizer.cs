using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// CLIP's tokenizer from a transformers tokenizer folder (vocab.json, merges.txt, tokenizer_config.json,
/// special_tokens_map.json), run by Microsoft.ML.Tokenizers' BPE: <see cref="ClipTextNormalizer"/>, CLIP's
/// pre-tokenizing pattern (contractions, letter runs, single digits, other symbol runs), byte-level symbols, and the
/// "&lt;/w&gt;" end-of-word suffix. A prompt becomes bos, at most length - 2 pieces, eos, then the pad token up to the
/// length (SD3's CLIP-L pads with &lt;|endoftext|&gt;, its CLIP-G with "!": each folder's pad_token says which).
/// </summary>
public sealed partial class ClipTokenizer
{
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";
    public const string TokenizerClass = "CLIPTokenizer";
    public const string EndOfWordSuffix = "</w>";
    /// <summary>CLIPTokenizer's defaults, and SD3's sequence length (model_max_length of its tokenizer/).</summary>
    public static TokenizerSettings Defaults { get; } = new("<|startoftext|>", "<|endoftext|>", "<|endoftext|>", "<|endoftext|>", 77);

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase)]
    private static partial Regex Pieces();

    private readonly BpeTokenizer _bpe;

    public TokenizerSettings Settings { get; }
    public int BosId { get; }
    public int EosId { get; }
    public int PadId { get; }
    /// <summary>model_max_length: the sequence length prompts are padded or cut to.</summary>
    public int MaxLength { get; }

    private ClipTokenizer(BpeTokenizer bpe, TokenizerSettings settings, int bosId, int eosId, int padId)
    {
        _bpe = bpe;
        Settings = settings;
        (BosId, EosId, PadId) = (bosId, eosId, padId);
        MaxLength = settings.ModelMaxLength ?? Defaults.ModelMaxLength!.Value;
    }

    public static bool IsTokenizerDir(string dir) => File.Exists(Path.Combine(dir, VocabFile)) && File.Exists(Path.Combine(dir, MergesFile));

    public static ClipTokenizer Load(string dir)
    {
        if (!IsTokenizerDir(dir))
            throw new FileNotFoundException($"no CLIP tokenizer at {dir}: expected {VocabFile} and {MergesFile} (a transformers CLIPTokenizer folder, e.g. an SD3 pipeline's tokenizer/)", Path.Combine(dir, VocabFile));
        var settings = TokenizerSettings.Read(dir, Defaults);
        BpeOptions options;
        try { options = new BpeOptions(Path.Combine(dir, VocabFile), Path.Combine(dir, MergesFile)); }
        catch (Exception e) when (e is InvalidOperationException or System.Text.Json.JsonException)
        {
            throw new InvalidDataException($"{dir}: {VocabFile} or {MergesFile} is not a BPE vocabulary ({e.Message})", e);
        }
        var vocabulary = options.Vocabulary.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        int Id(string what, string? token) => token is not null && vocabulary.TryGetValue(token, out var id) ? id
            : throw new InvalidDataException($"{Path.Combine(dir, VocabFile)}: the {what} \"{token}\" ({TokenizerSettings.ConfigFile}) is not in the vocabulary");
        int bos = Id("bos_token", settings.BosToken), eos = Id("eos_token", settings.EosToken), pad = Id("pad_token", settings.PadToken);
        var special = new Dictionary<string, int> { [settings.BosToken!] = bos, [settings.EosToken] = eos };
        options.SpecialTokens = special;
        options.PreTokenizer = new RegexPreTokenizer(Pieces(), special);
        options.Normalizer = ClipTextNormalizer.Instance;
        options.ByteLevel = true;
        options.EndOfWordSuffix = EndOfWordSuffix;
        options.ContinuingSubwordPrefix = null;
        options.UnknownToken = vocabulary.ContainsKey(settings.UnknownToken) ? settings.UnknownToken : null;
        try { return new ClipTokenizer(BpeTokenizer.Create(options), settings, bos, eos, pad); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{dir}: {VocabFile} and {MergesFile} do not make a BPE tokenizer ({e.Message})", e);
        }
    }

    /// <summary>The BPE pieces of a prompt, without bos or eos.</summary>
    public IReadOnlyList<int> Pieces(string prompt) => _bpe.EncodeToIds(prompt);

    /// <summary>bos, the pieces (cut to <paramref name="length"/> - 2), eos, pad tokens: transformers' padding="max_length", truncation=True.</summary>
    public TokenizedPrompt Encode(string prompt, int? length = null)
    {
        int n = length ?? MaxLength;
        if (n < 2) throw new ArgumentOutOfRangeException(nameof(length), $"a CLIP sequence needs room for bos and eos, not {n} tokens");
        var pieces = Pieces(prompt);
        var ids = Enumerable.Repeat(PadId, n).ToArray();
        int kept = Math.Min(pieces.Count, n - 2);
        ids[0] = BosId;
        for (int i = 0; i < kept; i++) ids[i + 1] = pieces[i];
        ids[kept + 1] = EosId;
        return new TokenizedPrompt(ids, kept < pieces.Count);
    }
}
