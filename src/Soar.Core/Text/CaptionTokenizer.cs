using System.Text;
using System.Text.Json;

namespace Soar.Core.Text;

/// <summary>
/// Word-level tokenizer for captions, whose vocabulary is saved with the model. Quoted text
/// ("AB7") is split into single characters so unseen strings still tokenize (the OCR task).
/// </summary>
public sealed class CaptionTokenizer
{
    public const string PadToken = "[pad]";
    public const string BosToken = "[bos]";
    public const int PadId = 0;
    public const int BosId = 1;

    private readonly Dictionary<string, int> _ids;
    public IReadOnlyList<string> Vocabulary { get; }
    /// <summary>Sequence length fed to the text encoder, including the leading [bos].</summary>
    public int MaxTokens { get; }

    public CaptionTokenizer(IReadOnlyList<string> vocabulary, int maxTokens)
    {
        if (vocabulary.Count < 2 || vocabulary[PadId] != PadToken || vocabulary[BosId] != BosToken)
            throw new InvalidDataException($"a tokenizer vocabulary must start with {PadToken} and {BosToken}");
        if (maxTokens < 2) throw new ArgumentOutOfRangeException(nameof(maxTokens), "need room for [bos] and one token");
        Vocabulary = vocabulary;
        MaxTokens = maxTokens;
        _ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < vocabulary.Count; i++)
            if (!_ids.TryAdd(vocabulary[i], i)) throw new InvalidDataException($"duplicate token '{vocabulary[i]}' in vocabulary");
    }

    /// <summary>Builds a vocabulary from training captions (sorted, so the same captions give the same ids).</summary>
    public static CaptionTokenizer Build(IEnumerable<string> captions, int maxTokens = 24)
    {
        var words = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in captions) foreach (var w in Split(c)) words.Add(w);
        // Every letter and digit, so held-out quoted strings never hit an unknown token.
        foreach (var ch in "abcdefghijklmnopqrstuvwxyz0123456789") words.Add(ch.ToString());
        var vocab = new List<string> { PadToken, BosToken };
        vocab.AddRange(words);
        return new CaptionTokenizer(vocab, maxTokens);
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

    /// <summary>Token ids padded to MaxTokens. An unknown word or an over-long caption is an error naming it.</summary>
    public int[] Encode(string caption)
    {
        var ids = new int[MaxTokens];
        ids[0] = BosId;
        int n = 1;
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
        var json = JsonSerializer.Serialize(new TokenizerFile { MaxTokens = MaxTokens, Vocabulary = Vocabulary.ToList() }, new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(path, json);
    }

    public static CaptionTokenizer Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"tokenizer file not found: {path}", path);
        TokenizerFile? file;
        try { file = JsonSerializer.Deserialize<TokenizerFile>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a tokenizer file ({e.Message})", e); }
        if (file?.Vocabulary is null) throw new InvalidDataException($"{path}: missing 'Vocabulary'");
        return new CaptionTokenizer(file.Vocabulary, file.MaxTokens);
    }

    private sealed class TokenizerFile
    {
        public int MaxTokens { get; set; }
        public List<string>? Vocabulary { get; set; }
    }
}

/// <summary>A caption the tokenizer cannot encode.</summary>
public sealed class CaptionException(string message) : Exception(message);
