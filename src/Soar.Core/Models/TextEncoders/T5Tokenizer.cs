using Google.Protobuf;
using Microsoft.ML.Tokenizers;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// T5's tokenizer from a transformers tokenizer folder (spiece.model, tokenizer_config.json, special_tokens_map.json):
/// the SentencePiece Unigram model run by Microsoft.ML.Tokenizers (its normaliser, precompiled charsmap included;
/// see <see cref="WithBosId"/> and <see cref="Pieces"/> for the two places it needed help),
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
        try
        {
            using var stream = new MemoryStream(WithBosId(File.ReadAllBytes(path)));
            model = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"{path}: not a SentencePiece model Microsoft.ML.Tokenizers can load ({e.Message})", e);
        }
        int Id(string what, string token) => model.Vocabulary.TryGetValue(token, out var id) ? id
            : throw new InvalidDataException($"{path}: the {what} \"{token}\" ({TokenizerSettings.ConfigFile}) is not a piece of the model");
        return new T5Tokenizer(model, settings, Id("eos_token", settings.EosToken), Id("pad_token", settings.PadToken));
    }

    // ModelProto field 2 is trainer_spec; in it, unk_id is field 40 and bos_id field 41 (sentencepiece_model.proto).
    private const int TrainerSpecField = 2, UnkIdField = 40, BosIdField = 41;

    /// <summary>
    /// Microsoft.ML.Tokenizers 2.0's Unigram model indexes its vocabulary by the bos id, but T5's spiece.model has no
    /// bos (bos_id -1) and loading it fails. The model's bytes are given, in memory only, a second trainer_spec holding
    /// bos_id = unk_id: protobuf merges repeated message fields, so only bos_id changes. Nothing here adds a bos.
    /// </summary>
    private static byte[] WithBosId(byte[] model)
    {
        int? bos = null, unk = null;
        var input = new CodedInputStream(model);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != TrainerSpecField || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited) { input.SkipLastField(); continue; }
            var spec = new CodedInputStream(input.ReadBytes().ToByteArray());
            uint inner;
            while ((inner = spec.ReadTag()) != 0)
            {
                int field = WireFormat.GetTagFieldNumber(inner);
                if (field == BosIdField && WireFormat.GetTagWireType(inner) == WireFormat.WireType.Varint) bos = spec.ReadInt32();
                else if (field == UnkIdField && WireFormat.GetTagWireType(inner) == WireFormat.WireType.Varint) unk = spec.ReadInt32();
                else spec.SkipLastField();
            }
        }
        if (bos is not < 0) return model;
        var overrides = new MemoryStream();
        var specOut = new CodedOutputStream(overrides);
        specOut.WriteTag(BosIdField, WireFormat.WireType.Varint);
        specOut.WriteInt32(unk ?? 0);   // sentencepiece's default unk_id is 0
        specOut.Flush();
        var patch = new MemoryStream();
        var output = new CodedOutputStream(patch);
        output.WriteTag(TrainerSpecField, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(overrides.ToArray()));
        output.Flush();
        return [.. model, .. patch.ToArray()];
    }

    /// <summary>
    /// The SentencePiece ids of a prompt, without eos. A run of characters outside the vocabulary is one unknown piece,
    /// as SentencePiece (and transformers' fast T5 tokenizer) encode it; Microsoft.ML.Tokenizers gives one per character.
    /// </summary>
    public IReadOnlyList<int> Pieces(string prompt)
    {
        var ids = _model.EncodeToIds(prompt, addBeginningOfSentence: false, addEndOfSentence: false);
        var fused = new List<int>(ids.Count);
        foreach (var id in ids)
            if (id != _model.UnknownId || fused.Count == 0 || fused[^1] != _model.UnknownId) fused.Add(id);
        return fused;
    }

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
