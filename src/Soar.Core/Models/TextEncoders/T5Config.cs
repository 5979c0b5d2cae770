using System.Globalization;
using System.Text.Json.Nodes;
using Soar.Core.Models.DiT;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// The hyper-parameters of a <see cref="T5EncoderModel"/> under transformers' T5Config names (its defaults when
/// absent). SD3's text_encoder_3 is T5-v1.1-XXL: d_model 4096, d_kv 64, d_ff 10240, 24 layers, 64 heads,
/// feed_forward_proj "gated-gelu" (wi_0, wi_1, wo with gelu_new), 32 buckets up to distance 128, eps 1e-6.
/// </summary>
public sealed record T5Config
{
    public const string ClassName = "T5EncoderModel";
    public const string ModelType = "t5";

    public int VocabSize { get; init; } = 32128;
    public int DModel { get; init; } = 512;
    public int DKv { get; init; } = 64;
    public int DFf { get; init; } = 2048;
    public int NumLayers { get; init; } = 6;
    /// <summary>The decoder's depth: kept for a faithful round trip, an encoder has no decoder (null means num_layers).</summary>
    public int? NumDecoderLayers { get; init; }
    public int NumHeads { get; init; } = 8;
    public int RelativeAttentionNumBuckets { get; init; } = 32;
    public int RelativeAttentionMaxDistance { get; init; } = 128;
    public double LayerNormEpsilon { get; init; } = 1e-6;
    /// <summary>"relu" (T5DenseActDense: wi, wo) or "gated-{act}" (T5DenseGatedActDense: wi_0, wi_1, wo).</summary>
    public string FeedForwardProj { get; init; } = "relu";
    /// <summary>transformers derives these from feed_forward_proj ("gated-gelu" means gelu_new) unless config.json says them.</summary>
    public string? DenseActFnOverride { get; init; }
    public bool? IsGatedActOverride { get; init; }
    public int PadTokenId { get; init; }
    public int EosTokenId { get; init; } = 1;
    /// <summary>Whether a T5ForConditionalGeneration would tie its lm_head to shared; an encoder has no lm_head, its embed_tokens is always shared.</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    public int InnerDim => NumHeads * DKv;

    /// <summary>Equal when config.json would be: derived values and the same values written out compare equal.</summary>
    public bool Equals(T5Config? other) => other is not null && ToJson() == other.ToJson();

    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);
    public bool IsGatedAct => IsGatedActOverride ?? FeedForwardProj.Split('-')[0] == "gated";
    public string DenseActFn => DenseActFnOverride ?? (FeedForwardProj == "gated-gelu" ? "gelu_new" : FeedForwardProj.Split('-')[^1]);

    public static IReadOnlyList<string> Keys { get; } =
    [
        "vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_decoder_layers", "num_heads", "relative_attention_num_buckets",
        "relative_attention_max_distance", "layer_norm_epsilon", "feed_forward_proj", "dense_act_fn", "is_gated_act",
        "pad_token_id", "eos_token_id", "tie_word_embeddings",
    ];

    /// <summary>T5Config keys read and not used: dropouts and the initialisation scale.</summary>
    public static IReadOnlySet<string> IgnoredKeys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "dropout_rate", "classifier_dropout", "initializer_factor",
    };

    public static T5Config ReadFile(string path) => FromJson(ConfigJson.ReadObject(path), path);

    /// <summary>
    /// Reads a transformers T5Config config.json: every key of <see cref="Keys"/> (the default when absent); the keys of
    /// <see cref="IgnoredKeys"/> and <see cref="TransformersConfigKeys.Bookkeeping"/> are accepted unused; any other key
    /// is an error naming all of them.
    /// </summary>
    public static T5Config FromJson(JsonObject json, string source)
    {
        ConfigJson.RejectUnknownKeys(json, source, ClassName, Keys, k => TransformersConfigKeys.IsIgnored(k, IgnoredKeys), TransformersConfigKeys.Library);
        if (json["model_type"] is { } type && type.GetValueKind() == System.Text.Json.JsonValueKind.String && type.GetValue<string>() is not (ModelType or "umt5" or "mt5"))
            throw new InvalidDataException($"{source}: \"model_type\" is \"{type.GetValue<string>()}\", not {ModelType}; point at a T5 encoder's folder");
        var d = new T5Config();
        int Int(string key, int fallback) => ConfigJson.Read(json, key, source, n => n.GetValue<int>(), fallback, "an integer");
        var c = new T5Config
        {
            VocabSize = Int("vocab_size", d.VocabSize),
            DModel = Int("d_model", d.DModel),
            DKv = Int("d_kv", d.DKv),
            DFf = Int("d_ff", d.DFf),
            NumLayers = Int("num_layers", d.NumLayers),
            NumDecoderLayers = json["num_decoder_layers"] is null ? null : Int("num_decoder_layers", 0),
            NumHeads = Int("num_heads", d.NumHeads),
            RelativeAttentionNumBuckets = Int("relative_attention_num_buckets", d.RelativeAttentionNumBuckets),
            RelativeAttentionMaxDistance = Int("relative_attention_max_distance", d.RelativeAttentionMaxDistance),
            LayerNormEpsilon = ConfigJson.Read(json, "layer_norm_epsilon", source, n => n.GetValue<double>(), d.LayerNormEpsilon, "a number"),
            FeedForwardProj = ConfigJson.Read(json, "feed_forward_proj", source, n => n.GetValue<string>(), d.FeedForwardProj, "a string"),
            DenseActFnOverride = ConfigJson.Read<string?>(json, "dense_act_fn", source, n => n.GetValue<string>(), null, "a string"),
            IsGatedActOverride = ConfigJson.Read<bool?>(json, "is_gated_act", source, n => n.GetValue<bool>(), null, "true or false"),
            PadTokenId = Int("pad_token_id", d.PadTokenId),
            EosTokenId = Int("eos_token_id", d.EosTokenId),
            TieWordEmbeddings = ConfigJson.Read(json, "tie_word_embeddings", source, n => n.GetValue<bool>(), d.TieWordEmbeddings, "true or false"),
        };
        try { c.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        c.CheckLimits(source);
        return c;
    }

    /// <summary>config.json as transformers writes a T5EncoderModel's (sorted keys; dense_act_fn and is_gated_act as derived).</summary>
    public string ToJson(string torchDtype = "float32") => ConfigJson.Write(new Dictionary<string, JsonNode?>
    {
        ["architectures"] = new JsonArray(ClassName),
        ["model_type"] = ModelType,
        ["transformers_version"] = TransformersConfigKeys.Version,
        ["torch_dtype"] = torchDtype,
        ["classifier_dropout"] = 0.0,
        ["dropout_rate"] = 0.1,
        ["initializer_factor"] = 1.0,
        ["is_encoder_decoder"] = true,
        ["use_cache"] = true,
        ["vocab_size"] = VocabSize,
        ["d_model"] = DModel,
        ["d_kv"] = DKv,
        ["d_ff"] = DFf,
        ["num_layers"] = NumLayers,
        ["num_decoder_layers"] = NumDecoderLayers ?? NumLayers,
        ["num_heads"] = NumHeads,
        ["relative_attention_num_buckets"] = RelativeAttentionNumBuckets,
        ["relative_attention_max_distance"] = RelativeAttentionMaxDistance,
        ["layer_norm_epsilon"] = LayerNormEpsilon,
        ["feed_forward_proj"] = FeedForwardProj,
        ["dense_act_fn"] = DenseActFn,
        ["is_gated_act"] = IsGatedAct,
        ["pad_token_id"] = PadTokenId,
        ["eos_token_id"] = EosTokenId,
        ["tie_word_embeddings"] = TieWordEmbeddings,
    });

    public void Validate()
    {
        if (VocabSize < 1 || DModel < 1 || DKv < 1 || DFf < 1 || NumLayers < 1 || NumHeads < 1)
            throw new ArgumentException("vocab_size, d_model, d_kv, d_ff, num_layers and num_heads must be positive");
        var parts = FeedForwardProj.Split('-');
        if (parts.Length > 2 || (parts.Length == 2 && parts[0] != "gated"))
            throw new ArgumentException($"feed_forward_proj \"{FeedForwardProj}\" is not \"{{act}}\" or \"gated-{{act}}\" (T5 uses \"relu\", T5 v1.1 \"gated-gelu\")");
        if (!TransformersActivation.Names.Contains(DenseActFn))
            throw new ArgumentException($"dense_act_fn \"{DenseActFn}\" (from feed_forward_proj \"{FeedForwardProj}\") is not supported; use one of {string.Join(", ", TransformersActivation.Names)}");
        if (RelativeAttentionNumBuckets < 4)
            throw new ArgumentException($"relative_attention_num_buckets {RelativeAttentionNumBuckets} must be at least 4 (half per direction, half of those exact)");
        if (RelativeAttentionNumBuckets / 4 >= RelativeAttentionMaxDistance)
            throw new ArgumentException($"relative_attention_max_distance {RelativeAttentionMaxDistance} must exceed relative_attention_num_buckets / 4 = {RelativeAttentionNumBuckets / 4} (the exact buckets)");
        if (!(LayerNormEpsilon > 0) || !double.IsFinite(LayerNormEpsilon))
            throw new ArgumentException($"layer_norm_epsilon {LayerNormEpsilon.ToString(CultureInfo.InvariantCulture)} must be a positive number");
    }

    public long ParameterCount()
    {
        long d = DModel, inner = InnerDim, ff = DFf;
        long block = 4 * d * inner + d + (IsGatedAct ? 3 : 2) * d * ff + d;
        return (long)VocabSize * d + NumLayers * block + (long)RelativeAttentionNumBuckets * NumHeads + d;
    }

    private void CheckLimits(string source)
    {
        ArchitectureLimits.Bound(source, "vocab_size", VocabSize, 1, 1 << 21);
        ArchitectureLimits.Bound(source, "d_model", DModel, 1, 16384);
        ArchitectureLimits.Bound(source, "d_kv", DKv, 1, 1024);
        ArchitectureLimits.Bound(source, "d_ff", DFf, 1, 131072);
        ArchitectureLimits.Bound(source, "num_layers", NumLayers, 1, 256);
        ArchitectureLimits.Bound(source, "num_heads", NumHeads, 1, 256);
        ArchitectureLimits.Bound(source, "relative_attention_num_buckets", RelativeAttentionNumBuckets, 4, 4096);
        ArchitectureLimits.Bound(source, "relative_attention_max_distance", RelativeAttentionMaxDistance, 1, 1 << 20);
        double p = ParameterCount(), tokens = 512;
        ArchitectureLimits.RefuseAbove(source, new ArchitectureLimits.Estimate(p, 4 * p, 4 * tokens * (6.0 * DModel + 2 * DFf + NumHeads * tokens)));
    }
}
