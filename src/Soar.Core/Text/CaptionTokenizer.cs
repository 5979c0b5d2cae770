using System.Text;
using System.Text.Json;

namespace Soar.Core.Text;

/// <summary>
/// The caption tokenizer, whose vocabulary is saved with the model, of one of two kinds:
/// <list type="bullet">
/// <item><c>word</c>: lower-cased words and punctuation seen in training; an unseen word is an error.</item>
/// <item><c>subword</c>: open vocabulary. Captions are normalised (<see cref="CaptionNormalizer"/>) and split by GPT-2's
/// BPE (<see cref="Gpt2Pieces"/>); the model's vocabulary is the GPT-2 tokens of the training captions (entries
/// <c>gpt2:&lt;id&gt;</c>), and any other token becomes <c>[unk]</c>, so every caption encodes. Captions longer than
/// MaxTokens are cut there, as SD pipelines cut CLIP prompts at 77 tokens.</item>
/// </list>
/// In both, quoted text ("AB7") is split into single characters so unseen strings still tokenize (the OCR task).
/// </summary>
public sealed class CaptionTokenizer
{
    public const string PadToken = "[pad]";
    public const string BosToken = "[bos]";
    public const string UnknownToken = "[unk]";
    public const int PadId = 0;
    public const int BosId = 1;
    public const int UnknownId = 2;
    public const string WordKind = "word";
    public const string SubwordKind = "subword";
    public static IReadOnlyList<string> Kinds { get; } = [WordKind, SubwordKind];
    private const string Gpt2Prefix = "gpt2:";

    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<int, int> _gpt2Ids = [];
    public IReadOnlyList<string> Vocabulary { get; }
    /// <summary>Sequence length fed to the text encoder, including the leading [bos].</summary>
    public int MaxTokens { get; }
    /// <summary><see cref="WordKind"/> or <see cref="SubwordKind"/>.</summary>
    public string Kind { get; }

    public CaptionTokenizer(IReadOnlyList<string> vocabulary, int maxTokens, string kind = WordKind)
    {
        if (!Kinds.Contains(kind)) throw new InvalidDataException($"unknown tokenizer kind '{kind}'; this tool knows {string.Join(", ", Kinds)}");
        if (vocabulary.Count < 2 || vocabulary[PadId] != PadToken || vocabulary[BosId] != BosToken)
            throw new InvalidDataException($"a tokenizer vocabulary must start with {PadToken} and {BosToken}");
        if (kind == SubwordKind && (vocabulary.Count < 3 || vocabulary[UnknownId] != UnknownToken))
            throw new InvalidDataException($"a subword vocabulary must start with {PadToken}, {BosToken} and {UnknownToken}");
        if (maxTokens < 2) throw new ArgumentOutOfRangeException(nameof(maxTokens), "need room for [bos] and one token");
        Vocabulary = vocabulary;
        MaxTokens = maxTokens;
        Kind = kind;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < vocabulary.Count; i++)
        {
            if (!_ids.TryAdd(vocabulary[i], i)) throw new InvalidDataException($"duplicate token '{vocabulary[i]}' in vocabulary");
            if (kind != SubwordKind || i <= UnknownId) continue;
            if (!vocabulary[i].StartsWith(Gpt2Prefix, StringComparison.Ordinal) || !int.TryParse(vocabulary[i].AsSpan(Gpt2Prefix.Length), out int gpt2))
                throw new InvalidDataException($"subword vocabulary entry {i} is '{vocabulary[i]}', not {Gpt2Prefix}<GPT-2 token id>");
            _gpt2Ids[gpt2] = i;
        }
    }

    /// <summary>Builds a tokenizer of a kind from training captions (sorted, so the same captions give the same ids).</summary>
    public const int MaxTokensDefault = 24;

    public static CaptionTokenizer Build(IEnumerable<string> captions, int maxTokens = MaxTokensDefault, string kind = WordKind)
    {
        if (kind == SubwordKind) return BuildSubword(captions, maxTokens);
        var words = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in captions) foreach (var w in Split(c)) words.Add(w);
        // Every letter and digit, so held-out quoted strings never hit an unknown token.
        foreach (var ch in "abcdefghijklmnopqrstuvwxyz0123456789") words.Add(ch.ToString());
        var vocab = new List<string> { PadToken, BosToken };
        vocab.AddRange(words);
        return new CaptionTokenizer(vocab, maxTokens);
    }

    private static CaptionTokenizer BuildSubword(IEnumerable<string> captions, int maxTokens)
    {
        var ids = new SortedSet<int>();
        foreach (var c in captions) foreach (var id in Gpt2Pieces.Encode(CaptionNormalizer.Normalize(c))) ids.Add(id);
        // Every letter and digit alone (how quoted text is spelled), so held-out strings never become [unk].
        foreach (var id in Gpt2Pieces.Encode("\"abcdefghijklmnopqrstuvwxyz0123456789\"")) ids.Add(id);
        var vocab = new List<string> { PadToken, BosToken, UnknownToken };
        vocab.AddRange(ids.Select(id => Gpt2Prefix + id));
        return new CaptionTokenizer(vocab, maxTokens, SubwordKind);
    }

    /// <summary>Lower-cased words and punctuation; characters inside double quotes become single tokens.</summary>
    public static IEnumerable<string> Split(string caption)
    {
        var word = new StringBuilder();
        bool quoted = false;
        foreach (var raw in caption)
        {
            char ch = char.ToLowerInvariant(raw);
            if (ch == '"')
            {
                if (word.Length > 0) { yield return word.ToString(); word.Clear(); }
                quoted = !quoted;
                yield return "\"";
            }
            else if (quoted)
            {
                if (!char.IsWhiteSpace(ch)) yield return ch.ToString();
            }
            else if (char.IsLetterOrDigit(ch) || ch == '-' || ch == '\'')
            {
                word.Append(ch);
            }
            else
            {
                if (word.Length > 0) { yield return word.ToString(); word.Clear(); }
                if (!char.IsWhiteSpace(ch)) yield return ch.ToString();
            }
        }
        if (word.Length > 0) yield return word.ToString();
    }

    /// <summary>
    /// Token ids padded to MaxTokens. Word kind: an unknown word or an over-long caption is an error naming it.
    /// Subword kind: never fails (unseen tokens are [unk], the rest of an over-long caption is cut).
    /// </summary>
    public int[] Encode(string caption)
    {
        var ids = new int[MaxTokens];
        ids[0] = BosId;
        int n = 1;
        if (Kind == SubwordKind)
        {
            foreach (var gpt2 in Gpt2Pieces.Encode(CaptionNormalizer.Normalize(caption)))
            {
                if (n == MaxTokens) break;
                ids[n++] = _gpt2Ids.GetValueOrDefault(gpt2, UnknownId);
            }
            return ids;
        }
        foreach (var w in Split(caption))
        {
            if (!_ids.TryGetValue(w, out var id))
                throw new CaptionException($"caption \"{caption}\": unknown token '{w}' (the model's vocabulary has {Vocabulary.Count} tokens; use words seen in training)");
            if (n == MaxTokens)
                throw new CaptionException($"caption \"{caption}\": longer than the model's {MaxTokens - 1} tokens");
            ids[n++] = id;
        }
        return ids;
    }

    public bool TryEncode(string caption, out int[] ids, out string? error)
    {
        try { ids = Encode(caption); error = null; return true; }
        catch (CaptionException e) { ids = []; error = e.Message; return false; }
    }

    public void Save(string path)
    {
        var json = JsonSerializer.Serialize(new TokenizerFile { Kind = Kind, MaxTokens = MaxTokens, Vocabulary = Vocabulary.ToList() }, new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(path, json);
    }

    public static CaptionTokenizer Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer file not found: {path}", path);
        TokenizerFile? file;
        try { file = JsonSerializer.Deserialize<TokenizerFile>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a tokenizer file ({e.Message})", e); }
        if (file?.Vocabulary is null) throw new InvalidDataException($"{path}: missing 'Vocabulary'");
        return new CaptionTokenizer(file.Vocabulary, file.MaxTokens, file.Kind ?? WordKind);
    }

    /// <summary>Token ids seen as text: words, or the GPT-2 pieces' text for a subword vocabulary (diagnostics).</summary>
    public string Describe(int id) =>
        Kind == SubwordKind && id > UnknownId ? Gpt2Pieces.Text(int.Parse(Vocabulary[id].AsSpan(Gpt2Prefix.Length))) : Vocabulary[id];

    private sealed class TokenizerFile
    {
        /// <summary>Absent in files written before subword tokenizers: word.</summary>
        public string? Kind { get; set; }
        public int MaxTokens { get; set; }
        public List<string>? Vocabulary { get; set; }
    }
}

/// <summary>A caption the tokenizer cannot encode.</summary>
public sealed class CaptionException(string message) : Exception(message);
