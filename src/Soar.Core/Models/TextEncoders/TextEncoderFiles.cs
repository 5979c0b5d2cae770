using System.Text.Json;
using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using static TorchSharp.torch;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// Encoding prompts to a safetensors file under the names transformers and diffusers give the tensors, with the token
/// ids beside it as JSON (x.tokens.json for x.safetensors), so that another implementation can be checked against both.
/// A pipeline folder (model_index.json) gives SD3's encoder_hidden_states and pooled_projections and each part
/// (text_encoder.prompt_embeds, text_encoder.pooled_prompt_embeds, ..., text_encoder_3.prompt_embeds, diffusers' names);
/// a CLIP folder gives hidden_states.{i}, last_hidden_state, pooler_output and text_embeds; a T5 folder last_hidden_state.
/// </summary>
public static class TextEncoderFiles
{
    private static readonly Dictionary<string, string> FormatMetadata = new() { ["format"] = "pt" };
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, IndentSize = 2 };

    /// <summary>x.tokens.json beside x.safetensors.</summary>
    public static string TokensPath(string outputPath) => Path.ChangeExtension(outputPath, null) + ".tokens.json";

    public static bool IsPipeline(string dir) => File.Exists(Path.Combine(dir, SD3PromptEncoder.IndexFile));

    /// <summary>Encodes with whatever <paramref name="modelDir"/> holds: an SD3 pipeline, or one CLIP or T5 encoder folder.</summary>
    /// <param name="tokenizerDir">for an encoder folder: its tokenizer (default: the folder itself, or the pipeline's matching tokenizer*/).</param>
    /// <param name="maxLength">T5's max_sequence_length (256) for a pipeline or a T5 folder; the CLIP length (model_max_length) for a CLIP folder.</param>
    public static void EncodeText(string modelDir, IReadOnlyList<string> prompts, string outputPath, int? maxLength = null,
        string? negativePrompt = null, int? clipSkip = null, string? tokenizerDir = null)
    {
        if (!outputPath.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--out {outputPath}: write a .safetensors file (the token ids go beside it as .tokens.json)");
        var dir = Path.GetFullPath(modelDir);
        if (IsPipeline(dir))
        {
            if (tokenizerDir is not null) throw new ArgumentException("--tokenizer: a pipeline folder's model_index.json names its tokenizers; leave it out");
            EncodePipeline(dir, prompts, outputPath, maxLength ?? T5Tokenizer.DefaultMaxSequenceLength, negativePrompt, clipSkip);
            return;
        }
        if (!TransformersFolder.IsModelDir(dir))
            throw new FileNotFoundException($"{dir} is neither a diffusers pipeline folder ({SD3PromptEncoder.IndexFile}) nor a transformers encoder folder ({TransformersFolder.ConfigFile} with {TransformersFolder.WeightsFile})", dir);
        if (negativePrompt is not null) throw new ArgumentException("--negative-prompt: SD3's guidance input needs a pipeline folder; encode \"\" as a prompt of its own instead");
        var config = ConfigJson.ReadObject(Path.Combine(dir, TransformersFolder.ConfigFile));
        bool t5 = config["model_type"] is JsonValue type && type.TryGetValue(out string? name) ? name is T5Config.ModelType or "mt5" or "umt5" : config.ContainsKey("d_model");
        var tokenizer = tokenizerDir is null ? FindTokenizer(dir, t5) : Path.GetFullPath(tokenizerDir);
        if (t5) EncodeT5(dir, tokenizer, prompts, outputPath, maxLength ?? T5Tokenizer.DefaultMaxSequenceLength);
        else EncodeClip(dir, tokenizer, prompts, outputPath, maxLength, clipSkip);
    }

    /// <summary>The encoder folder itself when it holds tokenizer files, else the pipeline's tokenizer{_n}/ beside text_encoder{_n}/.</summary>
    private static string FindTokenizer(string dir, bool t5)
    {
        bool Has(string d) => t5 ? T5Tokenizer.IsTokenizerDir(d) : ClipTokenizer.IsTokenizerDir(d);
        if (Has(dir)) return dir;
        var name = Path.GetFileName(dir);
        if (name.StartsWith("text_encoder", StringComparison.Ordinal))
        {
            var sibling = Path.Combine(Path.GetDirectoryName(dir)!, "tokenizer" + name["text_encoder".Length..]);
            if (Has(sibling)) return sibling;
        }
        throw new FileNotFoundException($"no {(t5 ? "T5 (" + T5Tokenizer.ModelFile + ")" : "CLIP (" + ClipTokenizer.VocabFile + ", " + ClipTokenizer.MergesFile + ")")} tokenizer in {dir} or beside it; pass --tokenizer", dir);
    }

    private static void EncodePipeline(string dir, IReadOnlyList<string> prompts, string outputPath, int maxLength, string? negativePrompt, int? clipSkip)
    {
        using var encoder = SD3PromptEncoder.Load(dir);
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var tokens = new JsonObject { ["prompts"] = Strings(prompts), ["max_sequence_length"] = maxLength };
        using var e = encoder.Encode(prompts, maxLength, clipSkip);
        Add(tensors, tokens, "", e, encoder.T5 is not null);
        if (negativePrompt is not null)
        {
            using var n = encoder.EncodeNegative(prompts.Count, negativePrompt, maxLength, clipSkip);
            tokens["negative_prompt"] = negativePrompt;
            Add(tensors, tokens, "negative_", n, encoder.T5 is not null);
        }
        Write(outputPath, tensors, tokens);
    }

    private static void Add(Dictionary<string, Tensor> tensors, JsonObject tokens, string prefix, SD3PromptEmbeddings e, bool hasT5)
    {
        tensors[prefix + "encoder_hidden_states"] = e.EncoderHiddenStates.clone();
        tensors[prefix + "pooled_projections"] = e.PooledProjections.clone();
        tensors[prefix + "text_encoder.prompt_embeds"] = e.ClipLHiddenStates.clone();
        tensors[prefix + "text_encoder.pooled_prompt_embeds"] = e.ClipLTextEmbeds.clone();
        tensors[prefix + "text_encoder_2.prompt_embeds"] = e.ClipGHiddenStates.clone();
        tensors[prefix + "text_encoder_2.pooled_prompt_embeds"] = e.ClipGTextEmbeds.clone();
        if (hasT5) tensors[prefix + "text_encoder_3.prompt_embeds"] = e.T5HiddenStates.clone();
        var ids = new JsonObject { ["text_encoder"] = Ids(e.ClipLTokens), ["text_encoder_2"] = Ids(e.ClipGTokens) };
        var truncated = new JsonObject { ["text_encoder"] = Flags(e.ClipLTokens), ["text_encoder_2"] = Flags(e.ClipGTokens) };
        if (hasT5) { ids["text_encoder_3"] = Ids(e.T5Tokens); truncated["text_encoder_3"] = Flags(e.T5Tokens); }
        tokens[prefix + "input_ids"] = ids;
        tokens[prefix + "truncated"] = truncated;
    }

    private static void EncodeClip(string dir, string tokenizerDir, IReadOnlyList<string> prompts, string outputPath, int? length, int? clipSkip)
    {
        if (clipSkip is not null) throw new ArgumentException("--clip-skip: a CLIP folder's output has every hidden state (hidden_states.{i}); it applies to a pipeline");
        var tokenizer = ClipTokenizer.Load(tokenizerDir);
        using var model = ClipTextFolder.Load(dir);
        var encoded = prompts.Select(p => tokenizer.Encode(p, length)).ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var output = model.Forward(IdsTensor(encoded));
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["last_hidden_state"] = output.LastHiddenState,
            ["pooler_output"] = output.PoolerOutput,
            ["text_embeds"] = output.TextEmbeds,
        };
        for (int i = 0; i < output.HiddenStates.Count; i++) tensors[$"hidden_states.{i}"] = output.HiddenStates[i];
        Write(outputPath, tensors, new JsonObject { ["prompts"] = Strings(prompts), ["input_ids"] = Ids(encoded), ["truncated"] = Flags(encoded) });
    }

    private static void EncodeT5(string dir, string tokenizerDir, IReadOnlyList<string> prompts, string outputPath, int length)
    {
        var tokenizer = T5Tokenizer.Load(tokenizerDir);
        using var model = T5Folder.Load(dir);
        var encoded = prompts.Select(p => tokenizer.Encode(p, length)).ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tensors = new Dictionary<string, Tensor> { ["last_hidden_state"] = model.Forward(IdsTensor(encoded)) };
        Write(outputPath, tensors, new JsonObject { ["prompts"] = Strings(prompts), ["input_ids"] = Ids(encoded), ["truncated"] = Flags(encoded) });
    }

    private static void Write(string outputPath, Dictionary<string, Tensor> tensors, JsonObject tokens)
    {
        SafeTensorsFile.Save(outputPath, tensors, FormatMetadata);
        DurableFile.WriteText(TokensPath(outputPath), tokens.ToJsonString(Indented) + "\n");
    }

    private static Tensor IdsTensor(IReadOnlyList<TokenizedPrompt> tokens) =>
        tensor(tokens.SelectMany(t => t.Ids.Select(i => (long)i)).ToArray(), [tokens.Count, tokens[0].Ids.Length]);

    private static JsonArray Strings(IEnumerable<string> xs) => new(xs.Select(x => (JsonNode?)x).ToArray());
    private static JsonArray Ids(IEnumerable<TokenizedPrompt> tokens) => new(tokens.Select(t => (JsonNode?)new JsonArray(t.Ids.Select(i => (JsonNode?)i).ToArray())).ToArray());
    private static JsonArray Flags(IEnumerable<TokenizedPrompt> tokens) => new(tokens.Select(t => (JsonNode?)t.Truncated).ToArray());
}
