using Microsoft.ML.Tokenizers;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// T5's tokenizer from a transformers tokenizer folder (spiece.model, tokenizer_config.json, special_tokens_map.json):
/// the SentencePiece Unigram model run by Microsoft.ML.Tokenizers (its normaliser, precompiled charsmap included),
/// at most length - 1 pieces, then eos "&lt;/s&gt;", then pad "&lt;pad&gt;" up to the length (SD3's max_sequence_length,
/// 256 by default): transformers' padding="max_length", truncation=True.
/// </summary>
public sealed class T5Tokenizer
{
    public const string ModelFile = "spiece.model";
    public const string TokenizerClass = "T5Tokenizer";
    public const int DefaultMaxSequenceLength = 256;
    /// <summary>T5Tokenizer's defaults (no bos).</summary>
    public static TokenizerSettings Defaults { get; } = new(null, "</s>", "<pad>", "<unk>", 512);

    private readonly SentencePieceTokenizer _model;

    public TokenizerSettings Settings { get; }
    public int EosId { get; }
    public int PadId { get; }

    private T5Tokenizer(SentencePieceTokenizer model, TokenizerSettings settings, int eosId, int padId)
    {
        _model = model;
        Settings = settings;
        (EosId, PadId) = (eosId, padId);
    }

    public static bool IsTokenizerDir(string dir) => File.Exists(Path.Combine(dir, ModelFile));

    public static T5Tokenizer Load(string dir)
    {
        var path = Path.Combine(dir, ModelFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"no T5 tokenizer at {dir}: expected {ModelFile} (a transformers T5Tokenizer folder, e.g. an SD3 pipeline's tokenizer_3/)", path);
        var settings = TokenizerSettings.Read(dir, Defaults);
        SentencePieceTokenizer model;
        using (var stream = File.OpenRead(path))
        {
            try { model = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false); }
            catch (Exception e) when (e is not IOException)
            {
                throw new InvalidDataException($"{path}: not a SentencePiece model Microsoft.ML.Tokenizers can load ({e.Message})", e);
            }
        }
        int Id(string what, string token) => model.Vocabulary.TryGetValue(token, out var id) ? id
            : throw new InvalidDataException($"{path}: the {what} \"{token}\" ({TokenizerSettings.ConfigFile}) is not a piece of the model");
        return new T5Tokenizer(model, settings, Id("eos_token", settings.EosToken), Id("pad_token", settings.PadToken));
    }

    /// <summary>The SentencePiece ids of a prompt, without eos.</summary>
    public IReadOnlyList<int> Pieces(string prompt) => _model.EncodeToIds(prompt, addBeginningOfSentence: false, addEndOfSentence: false);

    public TokenizedPrompt Encode(string prompt, int length = DefaultMaxSequenceLength)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), $"a T5 sequence needs room for eos, not {length} tokens");
        var pieces = Pieces(prompt);
        var ids = Enumerable.Repeat(PadId, length).ToArray();
        int kept = Math.Min(pieces.Count, length - 1);
        for (int i = 0; i < kept; i++) ids[i] = pieces[i];
        ids[kept] = EosId;
        return new TokenizedPrompt(ids, kept < pieces.Count);
    }
}
