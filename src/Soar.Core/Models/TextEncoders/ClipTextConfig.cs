using System.Globalization;
using System.Text.Json.Nodes;
using Soar.Core.Models.DiT;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// The hyper-parameters of a <see cref="ClipTextModelWithProjection"/> under transformers' CLIPTextConfig names (its
/// defaults when absent). SD3's CLIP-L: hidden 768, 12 layers, 12 heads, quick_gelu; CLIP-G (OpenCLIP bigG): hidden
/// 1280, 32 layers, 20 heads, gelu; both 77 positions, projection as wide as the hidden size, eos_token_id 2.
/// </summary>
public sealed record ClipTextConfig
{
    public const string ClassName = "CLIPTextModelWithProjection";
    public const string ModelType = "clip_text_model";
    /// <summary>Before transformers PR #24773 CLIP configs said eos_token_id 2; such a model pools at the largest id (the real eos).</summary>
    public const int LegacyEosTokenId = 2;

    public int VocabSize { get; init; } = 49408;
    public int HiddenSize { get; init; } = 512;
    public int IntermediateSize { get; init; } = 2048;
    public int ProjectionDim { get; init; } = 512;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 8;
    public int MaxPositionEmbeddings { get; init; } = 77;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;
    public int PadTokenId { get; init; } = 1;
    public int BosTokenId { get; init; } = 49406;
    public int EosTokenId { get; init; } = 49407;

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>The keys that shape the maths (and the token ids kept for a faithful round trip), in CLIPTextConfig's order.</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        "vocab_size", "hidden_size", "intermediate_size", "projection_dim", "num_hidden_layers", "num_attention_heads",
        "max_position_embeddings", "hidden_act", "layer_norm_eps", "pad_token_id", "bos_token_id", "eos_token_id",
    ];

    /// <summary>CLIPTextConfig keys read and not used: training-time dropouts, initialisation scales, and the tie flag (no output head).</summary>
    public static IReadOnlySet<string> IgnoredKeys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "attention_dropout", "dropout", "initializer_range", "initializer_factor", "tie_word_embeddings",
    };

    public static ClipTextConfig ReadFile(string path) => FromJson(ConfigJson.ReadObject(path), path);

    /// <summary>
    /// Reads a transformers CLIPTextConfig config.json: every key of <see cref="Keys"/> (the default when absent); the
    /// keys of <see cref="IgnoredKeys"/> and <see cref="TransformersConfigKeys.Bookkeeping"/> are accepted unused; any
    /// other key is an error naming all of them. A full CLIPConfig (text_config inside) is refused: point at the text model.
    /// </summary>
    public static ClipTextConfig FromJson(JsonObject json, string source)
    {
        if (json.ContainsKey("text_config") || json.ContainsKey("vision_config"))
            throw new InvalidDataException($"{source}: a CLIPConfig (text and vision towers); this tool reads a {ClassName} config.json, as in an SD3 pipeline's text_encoder/");
        ConfigJson.RejectUnknownKeys(json, source, ClassName, Keys, k => TransformersConfigKeys.IsIgnored(k, IgnoredKeys), TransformersConfigKeys.Library);
        if (json["model_type"] is { } type && type.GetValueKind() == System.Text.Json.JsonValueKind.String && type.GetValue<string>() != ModelType)
            throw new InvalidDataException($"{source}: \"model_type\" is \"{type.GetValue<string>()}\", not {ModelType}; point at a CLIP text encoder's folder");
        var d = new ClipTextConfig();
        int Int(string key, int fallback) => ConfigJson.Read(json, key, source, n => n.GetValue<int>(), fallback, "an integer");
        var c = new ClipTextConfig
        {
            VocabSize = Int("vocab_size", d.VocabSize),
            HiddenSize = Int("hidden_size", d.HiddenSize),
            IntermediateSize = Int("intermediate_size", d.IntermediateSize),
            ProjectionDim = Int("projection_dim", d.ProjectionDim),
            NumHiddenLayers = Int("num_hidden_layers", d.NumHiddenLayers),
            NumAttentionHeads = Int("num_attention_heads", d.NumAttentionHeads),
            MaxPositionEmbeddings = Int("max_position_embeddings", d.MaxPositionEmbeddings),
            HiddenAct = ConfigJson.Read(json, "hidden_act", source, n => n.GetValue<string>(), d.HiddenAct, "a string"),
            LayerNormEps = ConfigJson.Read(json, "layer_norm_eps", source, n => n.GetValue<double>(), d.LayerNormEps, "a number"),
            PadTokenId = Int("pad_token_id", d.PadTokenId),
            BosTokenId = Int("bos_token_id", d.BosTokenId),
            EosTokenId = Int("eos_token_id", d.EosTokenId),
        };
        try { c.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        c.CheckLimits(source);
        return c;
    }

    /// <summary>config.json as transformers writes it for this class (sorted keys).</summary>
    public string ToJson(string torchDtype = "float32") => ConfigJson.Write(new Dictionary<string, JsonNode?>
    {
        ["architectures"] = new JsonArray(ClassName),
        ["model_type"] = ModelType,
        ["transformers_version"] = TransformersConfigKeys.Version,
        ["torch_dtype"] = torchDtype,
        ["attention_dropout"] = 0.0,
        ["dropout"] = 0.0,
        ["initializer_factor"] = 1.0,
        ["initializer_range"] = 0.02,
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize,
        ["intermediate_size"] = IntermediateSize,
        ["projection_dim"] = ProjectionDim,
        ["num_hidden_layers"] = NumHiddenLayers,
        ["num_attention_heads"] = NumAttentionHeads,
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["hidden_act"] = HiddenAct,
        ["layer_norm_eps"] = LayerNormEps,
        ["pad_token_id"] = PadTokenId,
        ["bos_token_id"] = BosTokenId,
        ["eos_token_id"] = EosTokenId,
    });

    /// <summary>What the module can build; each message names the key to change.</summary>
    public void Validate()
    {
        if (VocabSize < 1 || HiddenSize < 1 || IntermediateSize < 1 || ProjectionDim < 1 || NumHiddenLayers < 1 || NumAttentionHeads < 1 || MaxPositionEmbeddings < 1)
            throw new ArgumentException("vocab_size, hidden_size, intermediate_size, projection_dim, num_hidden_layers, num_attention_heads and max_position_embeddings must be positive");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}");
        if (!TransformersActivation.Names.Contains(HiddenAct))
            throw new ArgumentException($"hidden_act \"{HiddenAct}\" is not supported; use one of {string.Join(", ", TransformersActivation.Names)}");
        if (!(LayerNormEps > 0) || !double.IsFinite(LayerNormEps))
            throw new ArgumentException($"layer_norm_eps {LayerNormEps.ToString(CultureInfo.InvariantCulture)} must be a positive number");
    }

    /// <summary>Parameters from the config alone (printed before allocating).</summary>
    public long ParameterCount()
    {
        long d = HiddenSize, m = IntermediateSize;
        long layer = 4 * (d * d + d) + (d * m + m) + (m * d + d) + 4 * d;
        return (long)VocabSize * d + (long)MaxPositionEmbeddings * d + NumHiddenLayers * layer + 2 * d + d * ProjectionDim;
    }

    private void CheckLimits(string source)
    {
        ArchitectureLimits.Bound(source, "vocab_size", VocabSize, 1, 1 << 21);
        ArchitectureLimits.Bound(source, "hidden_size", HiddenSize, 1, 16384);
        ArchitectureLimits.Bound(source, "intermediate_size", IntermediateSize, 1, 65536);
        ArchitectureLimits.Bound(source, "projection_dim", ProjectionDim, 1, 16384);
        ArchitectureLimits.Bound(source, "num_hidden_layers", NumHiddenLayers, 1, 256);
        ArchitectureLimits.Bound(source, "num_attention_heads", NumAttentionHeads, 1, 256);
        ArchitectureLimits.Bound(source, "max_position_embeddings", MaxPositionEmbeddings, 1, 8192);
        double p = ParameterCount(), tokens = MaxPositionEmbeddings;
        ArchitectureLimits.RefuseAbove(source, new ArchitectureLimits.Estimate(p, 4 * p, 4 * tokens * (8.0 * HiddenSize + IntermediateSize + NumAttentionHeads * tokens)));
    }
}
