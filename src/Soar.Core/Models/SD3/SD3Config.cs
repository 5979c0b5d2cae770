using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Soar.Core.Models.DiT;

namespace Soar.Core.Models.SD3;

/// <summary>
/// The hyper-parameters of an <see cref="SD3Transformer2DModel"/> under diffusers' config.json names (every key of
/// SD3Transformer2DModel.__init__, diffusers' defaults when absent), plus, for the pipeline's <see cref="SD3FlowModel"/>,
/// the project text encoder that stands in for CLIP/T5 until real encoders exist (TextDim, TextHeads, TextLayers, MlpRatio).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SD3Config : ModelConfig
{
    public const string Name = "sd3";
    /// <summary>config.json's "_class_name" for this model in diffusers.</summary>
    public const string DiffusersClassName = "SD3Transformer2DModel";
    /// <summary>Written as "_diffusers_version": the first release with dual_attention_layers and qk_norm (SD3.5).</summary>
    public const string DiffusersVersion = "0.31.0";

    public override string Architecture => Name;

    [JsonPropertyName("sample_size")] public int SampleSize { get; init; } = 128;
    [JsonPropertyName("patch_size")] public int PatchSize { get; init; } = 2;
    [JsonPropertyName("in_channels")] public int InChannels { get; init; } = 16;
    [JsonPropertyName("num_layers")] public int NumLayers { get; init; } = 18;
    [JsonPropertyName("attention_head_dim")] public int AttentionHeadDim { get; init; } = 64;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 18;
    [JsonPropertyName("joint_attention_dim")] public int JointAttentionDim { get; init; } = 4096;
    [JsonPropertyName("caption_projection_dim")] public int CaptionProjectionDim { get; init; } = 1152;
    [JsonPropertyName("pooled_projection_dim")] public int PooledProjectionDim { get; init; } = 2048;
    /// <summary>null means in_channels, as in diffusers.</summary>
    [JsonPropertyName("out_channels")] public int? OutChannels { get; init; } = 16;
    [JsonPropertyName("pos_embed_max_size")] public int? PosEmbedMaxSize { get; init; } = 96;
    /// <summary>Blocks with MMDiT-X's second, image-only attention: () for SD3.0, (0, ..., 12) for SD3.5-Medium.</summary>
    [JsonPropertyName("dual_attention_layers")] public IReadOnlyList<int> DualAttentionLayers { get; init; } = [];
    /// <summary>null (SD3.0), "rms_norm" (SD3.5) or "layer_norm".</summary>
    [JsonPropertyName("qk_norm")] public string? QkNorm { get; init; }

    /// <summary>Width of the project's caption encoder, projected to joint_attention_dim tokens and a pooled_projection_dim vector.</summary>
    public int TextDim { get; init; } = 128;
    public int TextHeads { get; init; } = 4;
    public int TextLayers { get; init; } = 1;
    public double MlpRatio { get; init; } = 4.0;

    /// <summary>Value equality over every serialised field, the layer list by content (a record compares lists by reference).</summary>
    public bool Equals(SD3Config? other) => other is not null && Serialized() == other.Serialized();

    public override int GetHashCode() => Serialized().GetHashCode(StringComparison.Ordinal);

    private string Serialized() => JsonSerializer.Serialize(this);

    [JsonIgnore] public int InnerDim => NumAttentionHeads * AttentionHeadDim;
    [JsonIgnore] public int OutputChannels => OutChannels ?? InChannels;

    /// <summary>
    /// sd3-tiny trains on 32 x 32 RGB on a CPU: 4-pixel patches (64 image tokens), 4 layers of 4 heads of 32, SD3.5's
    /// rms qk-norm and one dual-attention layer; the pixels are its "latents" (in_channels = Channels) until a VAE exists.
    /// </summary>
    public static IReadOnlyDictionary<string, SD3Config> Presets { get; } = new Dictionary<string, SD3Config>
    {
        ["sd3-tiny"] = new()
        {
            SampleSize = 32, PatchSize = 4, InChannels = 3, OutChannels = 3, NumLayers = 4, AttentionHeadDim = 32, NumAttentionHeads = 4,
            JointAttentionDim = 128, CaptionProjectionDim = 128, PooledProjectionDim = 128, PosEmbedMaxSize = 16,
            DualAttentionLayers = [0], QkNorm = "rms_norm", TextDim = 128, TextHeads = 4, TextLayers = 1,
        },
    };

    /// <summary>The diffusers config.json keys of SD3Transformer2DModel, in its signature's order.</summary>
    public static IReadOnlyList<string> DiffusersKeys { get; } =
    [
        "sample_size", "patch_size", "in_channels", "num_layers", "attention_head_dim", "num_attention_heads", "joint_attention_dim",
        "caption_projection_dim", "pooled_projection_dim", "out_channels", "pos_embed_max_size", "dual_attention_layers", "qk_norm",
    ];

    /// <summary>
    /// Reads a diffusers transformer config.json: every key of <see cref="DiffusersKeys"/> (diffusers' default when
    /// absent), keys starting with "_" are diffusers' bookkeeping ("_class_name" must name SD3Transformer2DModel when
    /// present); any other key is an error naming all of them. The project fields come from <paramref name="template"/>.
    /// </summary>
    public static SD3Config FromDiffusersJson(JsonObject json, string source, SD3Config? template = null)
    {
        ConfigJson.RejectUnknownKeys(json, source, DiffusersClassName, DiffusersKeys, k => k.StartsWith('_'), "diffusers");
        if (json["_class_name"] is { } cls && cls.GetValueKind() == JsonValueKind.String && cls.GetValue<string>() != DiffusersClassName)
            throw new InvalidDataException($"{source}: \"_class_name\" is \"{cls.GetValue<string>()}\", not {DiffusersClassName}; point at the transformer folder of an SD3 / SD3.5 model");
        var c = template ?? new SD3Config();
        int Int(string key, int fallback) => ConfigJson.Read(json, key, source, n => n.GetValue<int>(), fallback, "an integer");
        int? NullableInt(string key, int? fallback) => json.ContainsKey(key) && json[key] is null ? null : Int(key, fallback ?? 0);
        c = c with
        {
            SampleSize = Int("sample_size", 128),
            PatchSize = Int("patch_size", 2),
            InChannels = Int("in_channels", 16),
            NumLayers = Int("num_layers", 18),
            AttentionHeadDim = Int("attention_head_dim", 64),
            NumAttentionHeads = Int("num_attention_heads", 18),
            JointAttentionDim = Int("joint_attention_dim", 4096),
            CaptionProjectionDim = Int("caption_projection_dim", 1152),
            PooledProjectionDim = Int("pooled_projection_dim", 2048),
            OutChannels = NullableInt("out_channels", 16),
            PosEmbedMaxSize = NullableInt("pos_embed_max_size", 96),
            DualAttentionLayers = ConfigJson.Read(json, "dual_attention_layers", source, n => n.AsArray().Select(e => e!.GetValue<int>()).ToArray(), Array.Empty<int>(), "a list of layer indices"),
            QkNorm = json["qk_norm"] is null ? null : ConfigJson.Read<string?>(json, "qk_norm", source, n => n.GetValue<string>(), null, "null or a string"),
        };
        c.CheckLimits(source);
        try { c.ValidateTransformer(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        return c;
    }

    /// <summary>config.json as diffusers writes it for this model: sorted keys, 2-space indent, trailing newline.</summary>
    public string ToDiffusersJson()
    {
        var o = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["_class_name"] = DiffusersClassName,
            ["_diffusers_version"] = DiffusersVersion,
            ["sample_size"] = SampleSize,
            ["patch_size"] = PatchSize,
            ["in_channels"] = InChannels,
            ["num_layers"] = NumLayers,
            ["attention_head_dim"] = AttentionHeadDim,
            ["num_attention_heads"] = NumAttentionHeads,
            ["joint_attention_dim"] = JointAttentionDim,
            ["caption_projection_dim"] = CaptionProjectionDim,
            ["pooled_projection_dim"] = PooledProjectionDim,
            ["out_channels"] = OutChannels,
            ["pos_embed_max_size"] = PosEmbedMaxSize,
            ["dual_attention_layers"] = new JsonArray(DualAttentionLayers.Select(i => (JsonNode)i).ToArray()),
            ["qk_norm"] = QkNorm,
        };
        var json = new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, kv.Value)));
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n";
    }

    /// <summary>Parameters (with the fixed position table) and the activations one training image keeps, before allocating.</summary>
    public ArchitectureLimits.Estimate Estimate(int textTokens)
    {
        double d = InnerDim, dh = AttentionHeadDim, p2 = (double)PatchSize * PatchSize, j = JointAttentionDim, cap = CaptionProjectionDim;
        double lin(double i, double o) => i * o + o;
        double qk = QkNorm switch { null => 0, "layer_norm" => 2 * dh, _ => dh };
        double parameters = lin(p2 * InChannels, d) + lin(256, d) + lin(d, d) + lin(PooledProjectionDim, d) + lin(d, d) + lin(j, cap)
            + lin(d, 2 * d) + lin(d, p2 * OutputChannels);
        for (int i = 0; i < NumLayers; i++)
        {
            bool last = i == NumLayers - 1, dual = DualAttentionLayers.Contains(i);
            parameters += lin(d, (dual ? 9 : 6) * d) + (last ? lin(d, 2 * d) : lin(d, 6 * d));
            parameters += 7 * lin(d, d) + (last ? 0 : lin(d, d)) + 4 * qk;               // to_q/k/v, to_out, add_q/k/v, to_add_out
            if (dual) parameters += 4 * lin(d, d) + 2 * qk;
            parameters += (last ? 1 : 2) * (lin(d, 4 * d) + lin(4 * d, d));
        }
        double t = TextDim, m = Math.Floor(t * MlpRatio);
        double text = (double)VocabSize * t + MaxTokens * t + TextLayers * (lin(t, 3 * t) + lin(t, t) + lin(t, m) + lin(m, t) + 4 * t) + 2 * t + lin(t, j) + lin(t, PooledProjectionDim);
        double buffers = Math.Pow(PosEmbedMaxSize ?? 0, 2) * d;
        double imageTokens = Math.Pow(Math.Floor((double)Math.Max(ImageSize, 1) / PatchSize), 2), l = imageTokens + textTokens;
        // About fourteen d-wide and two 4d-wide tensors kept per token and block, plus one block's attention scores;
        // checkpointed, a block keeps its two inputs (and the backward pass gradients of that size), one block rebuilt at a time.
        double block = l * (14 * d + 8 * d), scores = 2.0 * NumAttentionHeads * l * l;
        return new ArchitectureLimits.Estimate(parameters + text, 4 * (parameters + text + buffers), 4 * (NumLayers * block + scores),
            4 * (NumLayers * l * 2 * d + block + scores));
    }

    /// <summary>The estimate with this model's own caption length.</summary>
    public override ArchitectureLimits.Estimate Estimate() => Estimate(MaxTokens);

    public override void CheckLimits(string source)
    {
        ArchitectureLimits.Bound(source, "sample_size", SampleSize, 1, 4096);
        ArchitectureLimits.Bound(source, "patch_size", PatchSize, 1, 64);
        ArchitectureLimits.Bound(source, "in_channels", InChannels, 1, 256);
        ArchitectureLimits.Bound(source, "out_channels", OutputChannels, 1, 256);
        ArchitectureLimits.Bound(source, "num_layers", NumLayers, 1, 256);
        ArchitectureLimits.Bound(source, "attention_head_dim", AttentionHeadDim, 1, 1024);
        ArchitectureLimits.Bound(source, "num_attention_heads", NumAttentionHeads, 1, 256);
        ArchitectureLimits.Bound(source, "joint_attention_dim", JointAttentionDim, 1, 65536);
        ArchitectureLimits.Bound(source, "caption_projection_dim", CaptionProjectionDim, 1, 65536);
        ArchitectureLimits.Bound(source, "pooled_projection_dim", PooledProjectionDim, 1, 65536);
        ArchitectureLimits.Bound(source, "pos_embed_max_size", PosEmbedMaxSize ?? 1, 1, 1024);
        ArchitectureLimits.Bound(source, "dual_attention_layers.Count", DualAttentionLayers.Count, 0, 256);
        ArchitectureLimits.Bound(source, nameof(TextDim), TextDim, 1, 16384);
        ArchitectureLimits.Bound(source, nameof(TextHeads), TextHeads, 1, 256);
        ArchitectureLimits.Bound(source, nameof(TextLayers), TextLayers, 0, 128);
        ArchitectureLimits.Bound(source, nameof(MlpRatio), MlpRatio, 0.25, 16);
        ArchitectureLimits.Bound(source, nameof(VocabSize), VocabSize, 0, 1 << 21);
        ArchitectureLimits.Bound(source, nameof(MaxTokens), MaxTokens, 1, 4096);
        ArchitectureLimits.RefuseAbove(source, Estimate(MaxTokens));
    }

    /// <summary>What <see cref="SD3Transformer2DModel"/> alone needs (a diffusers folder has no text encoder or tokenizer).</summary>
    public void ValidateTransformer()
    {
        if (SampleSize < 1 || PatchSize < 1 || InChannels < 1 || OutputChannels < 1 || NumLayers < 1 || AttentionHeadDim < 1 || NumAttentionHeads < 1
            || JointAttentionDim < 1 || CaptionProjectionDim < 1 || PooledProjectionDim < 1)
            throw new ArgumentException("sample_size, patch_size, in_channels, out_channels, num_layers, attention_head_dim, num_attention_heads, joint_attention_dim, caption_projection_dim and pooled_projection_dim must be positive");
        if (PosEmbedMaxSize is not { } max || max < 1)
            throw new ArgumentException("pos_embed_max_size must be a positive integer (every SD3 checkpoint crops its positions from a table of that size)");
        if (CaptionProjectionDim != InnerDim)
            throw new ArgumentException($"caption_projection_dim {CaptionProjectionDim} must equal num_attention_heads * attention_head_dim = {InnerDim}: the context tokens run through the same blocks");
        if (InnerDim % 4 != 0) throw new ArgumentException($"num_attention_heads * attention_head_dim = {InnerDim} must be a multiple of 4 (2-D sin-cos positions)");
        if (SampleSize / PatchSize > max)
            throw new ArgumentException($"sample_size {SampleSize} / patch_size {PatchSize} = {SampleSize / PatchSize} patches exceeds pos_embed_max_size {max}");
        var bad = DualAttentionLayers.Where(i => i < 0 || i >= NumLayers).ToList();
        if (bad.Count > 0) throw new ArgumentException($"dual_attention_layers names layer{(bad.Count > 1 ? "s" : "")} {string.Join(", ", bad)}, outside 0..{NumLayers - 1}");
        if (QkNorm is not null && !JointAttention.QkNormKinds.Contains(QkNorm))
            throw new ArgumentException($"qk_norm \"{QkNorm}\" is not supported; use null or one of: {string.Join(", ", JointAttention.QkNormKinds)}");
    }

    public override void Validate()
    {
        base.Validate();
        ValidateTransformer();
        if (InChannels != Channels || OutputChannels != Channels)
            throw new ArgumentException($"in_channels {InChannels} and out_channels {OutputChannels} must equal the image channels {Channels}: the pipeline's images are the model's latents until a VAE exists");
        if (ImageSize % PatchSize != 0) throw new ArgumentException($"image size {ImageSize} is not a multiple of patch_size {PatchSize}");
        if (ImageSize / PatchSize > PosEmbedMaxSize) throw new ArgumentException($"image size {ImageSize} / patch_size {PatchSize} patches exceeds pos_embed_max_size {PosEmbedMaxSize}");
        if (TextDim < 1 || TextHeads < 1 || TextLayers < 0 || !(MlpRatio > 0)) throw new ArgumentException($"text width {TextDim}, text heads {TextHeads}, text layers {TextLayers} and MLP ratio {MlpRatio} must be positive");
        if (TextDim % TextHeads != 0) throw new ArgumentException($"text width {TextDim} is not a multiple of the text head count {TextHeads}");
    }
}
