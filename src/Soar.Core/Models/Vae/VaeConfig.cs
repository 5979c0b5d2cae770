using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Soar.Core.Models.Vae;

/// <summary>
/// The hyper-parameters of an <see cref="AutoencoderKL"/> under diffusers' vae/config.json names: every key of
/// AutoencoderKL.__init__, diffusers' defaults when absent. scaling_factor and shift_factor (null = 0) map encoder
/// latents to the denoiser's latents as diffusers' SD3 pipeline does; latents_mean, latents_std, sample_size and
/// force_upcast are kept for a faithful round trip (the SD3 pipeline uses none of them).
/// </summary>
public sealed record VaeConfig
{
    /// <summary>config.json's "_class_name" for this model in diffusers.</summary>
    public const string DiffusersClassName = "AutoencoderKL";
    /// <summary>Written as "_diffusers_version": the first release with shift_factor and use_(post_)quant_conv.</summary>
    public const string DiffusersVersion = "0.30.0";
    public const string DownBlockType = "DownEncoderBlock2D";
    public const string UpBlockType = "UpDecoderBlock2D";
    public const string ActFn = "silu";
    /// <summary>The epsilon of every GroupNorm of the encoder and decoder (diffusers hard-codes it).</summary>
    public const double NormEps = 1e-6;

    public int InChannels { get; init; } = 3;
    public int OutChannels { get; init; } = 3;
    public IReadOnlyList<string> DownBlockTypes { get; init; } = [DownBlockType];
    public IReadOnlyList<string> UpBlockTypes { get; init; } = [UpBlockType];
    public IReadOnlyList<int> BlockOutChannels { get; init; } = [64];
    public int LayersPerBlock { get; init; } = 1;
    public string ActivationFunction { get; init; } = ActFn;
    public int LatentChannels { get; init; } = 4;
    public int NormNumGroups { get; init; } = 32;
    public int SampleSize { get; init; } = 32;
    public double ScalingFactor { get; init; } = 0.18215;
    /// <summary>null in config.json means no shift (0), as the SD3 pipeline treats it.</summary>
    public double? ShiftFactor { get; init; }
    public IReadOnlyList<double>? LatentsMean { get; init; }
    public IReadOnlyList<double>? LatentsStd { get; init; }
    public bool ForceUpcast { get; init; } = true;
    /// <summary>false for SD3's VAE: the encoder's moments are the posterior's parameters directly.</summary>
    public bool UseQuantConv { get; init; } = true;
    public bool UsePostQuantConv { get; init; } = true;
    public bool MidBlockAddAttention { get; init; } = true;

    /// <summary>Spatial down-sampling factor of the encoder: 2 per block but the last.</summary>
    public int DownscaleFactor => 1 << (BlockOutChannels.Count - 1);

    /// <summary>The module's parameter count, from the config alone (printed before allocating).</summary>
    public long ParameterCount()
    {
        static long Conv(long i, long o, long k) => i * o * k * k + o;
        static long Norm(long c) => 2 * c;
        static long Resnet(long i, long o) => Norm(i) + Conv(i, o, 3) + Norm(o) + Conv(o, o, 3) + (i != o ? Conv(i, o, 1) : 0);
        long Mid(long c) => 2 * Resnet(c, c) + (MidBlockAddAttention ? Norm(c) + 4 * (c * c + c) : 0);
        var w = BlockOutChannels.Select(c => (long)c).ToArray();
        var r = w.Reverse().ToArray();
        long encoder = Conv(InChannels, w[0], 3) + Mid(w[^1]) + Norm(w[^1]) + Conv(w[^1], 2L * LatentChannels, 3);
        for (int i = 0; i < w.Length; i++)
            encoder += Resnet(i == 0 ? w[0] : w[i - 1], w[i]) + (LayersPerBlock - 1) * Resnet(w[i], w[i]) + (i < w.Length - 1 ? Conv(w[i], w[i], 3) : 0);
        long decoder = Conv(LatentChannels, r[0], 3) + Mid(r[0]) + Norm(r[^1]) + Conv(r[^1], OutChannels, 3);
        for (int i = 0; i < r.Length; i++)
            decoder += Resnet(i == 0 ? r[0] : r[i - 1], r[i]) + LayersPerBlock * Resnet(r[i], r[i]) + (i < r.Length - 1 ? Conv(r[i], r[i], 3) : 0);
        long quant = (UseQuantConv ? Conv(2L * LatentChannels, 2L * LatentChannels, 1) : 0) + (UsePostQuantConv ? Conv(LatentChannels, LatentChannels, 1) : 0);
        return encoder + decoder + quant;
    }

    /// <summary>Value equality over every serialised key (a record compares lists by reference).</summary>
    public bool Equals(VaeConfig? other) => other is not null && ToDiffusersJson() == other.ToDiffusersJson();

    public override int GetHashCode() => ToDiffusersJson().GetHashCode(StringComparison.Ordinal);

    /// <summary>The diffusers config.json keys of AutoencoderKL, in its signature's order.</summary>
    public static IReadOnlyList<string> DiffusersKeys { get; } =
    [
        "in_channels", "out_channels", "down_block_types", "up_block_types", "block_out_channels", "layers_per_block", "act_fn",
        "latent_channels", "norm_num_groups", "sample_size", "scaling_factor", "shift_factor", "latents_mean", "latents_std",
        "force_upcast", "use_quant_conv", "use_post_quant_conv", "mid_block_add_attention",
    ];

    /// <summary>A diffusers vae/config.json at any path (<see cref="FromDiffusersJson"/>).</summary>
    public static VaeConfig ReadFile(string path)
    {
        return FromDiffusersJson(ConfigJson.ReadObject(path), path);
    }

    /// <summary>
    /// Reads a diffusers AutoencoderKL config.json: every key of <see cref="DiffusersKeys"/> (diffusers' default when
    /// absent); keys starting with "_" are diffusers' bookkeeping ("_class_name" must be AutoencoderKL when present);
    /// any other key is an error naming all of them.
    /// </summary>
    public static VaeConfig FromDiffusersJson(JsonObject json, string source)
    {
        ConfigJson.RejectUnknownKeys(json, source, DiffusersClassName, DiffusersKeys, k => k.StartsWith('_'), "diffusers");
        if (json["_class_name"] is { } cls && cls.GetValueKind() == JsonValueKind.String && cls.GetValue<string>() != DiffusersClassName)
            throw new InvalidDataException($"{source}: \"_class_name\" is \"{cls.GetValue<string>()}\", not {DiffusersClassName}; point at the vae/ folder of a diffusers pipeline");
        var d = new VaeConfig();
        int Int(string key, int fallback) => ConfigJson.Read(json, key, source, n => n.GetValue<int>(), fallback, "an integer");
        bool Bool(string key, bool fallback) => ConfigJson.Read(json, key, source, n => n.GetValue<bool>(), fallback, "true or false");
        double Double(string key, double fallback) => ConfigJson.Read(json, key, source, n => n.GetValue<double>(), fallback, "a number");
        double? NullableDouble(string key, double? fallback) => !json.ContainsKey(key) ? fallback : json[key] is null ? null : Double(key, 0);
        IReadOnlyList<T>? NullableList<T>(string key, IReadOnlyList<T>? fallback, string what) =>
            json.ContainsKey(key) && json[key] is null ? null : ConfigJson.Read(json, key, source, n => (IReadOnlyList<T>?)n.AsArray().Select(e => e!.GetValue<T>()).ToArray(), fallback, what);
        IReadOnlyList<T> List<T>(string key, IReadOnlyList<T> fallback, string what) =>
            ConfigJson.Read(json, key, source, n => (IReadOnlyList<T>)n.AsArray().Select(e => e!.GetValue<T>()).ToArray(), fallback, what);
        var c = new VaeConfig
        {
            InChannels = Int("in_channels", d.InChannels),
            OutChannels = Int("out_channels", d.OutChannels),
            DownBlockTypes = List("down_block_types", d.DownBlockTypes, "a list of block type names"),
            UpBlockTypes = List("up_block_types", d.UpBlockTypes, "a list of block type names"),
            BlockOutChannels = List("block_out_channels", d.BlockOutChannels, "a list of integers"),
            LayersPerBlock = Int("layers_per_block", d.LayersPerBlock),
            ActivationFunction = ConfigJson.Read(json, "act_fn", source, n => n.GetValue<string>(), d.ActivationFunction, "a string"),
            LatentChannels = Int("latent_channels", d.LatentChannels),
            NormNumGroups = Int("norm_num_groups", d.NormNumGroups),
            SampleSize = ConfigJson.Read(json, "sample_size", source, SampleSizeOf, d.SampleSize, "an integer or a list of two equal integers"),
            ScalingFactor = Double("scaling_factor", d.ScalingFactor),
            ShiftFactor = NullableDouble("shift_factor", d.ShiftFactor),
            LatentsMean = NullableList("latents_mean", d.LatentsMean, "null or a list of numbers"),
            LatentsStd = NullableList("latents_std", d.LatentsStd, "null or a list of numbers"),
            ForceUpcast = Bool("force_upcast", d.ForceUpcast),
            UseQuantConv = Bool("use_quant_conv", d.UseQuantConv),
            UsePostQuantConv = Bool("use_post_quant_conv", d.UsePostQuantConv),
            MidBlockAddAttention = Bool("mid_block_add_attention", d.MidBlockAddAttention),
        };
        try { c.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        return c;
    }

    /// <summary>diffusers writes sample_size as an int or, for some VAEs, a [h, w] list; tiling alone reads it.</summary>
    private static int SampleSizeOf(JsonNode n)
    {
        if (n is not JsonArray a) return n.GetValue<int>();
        var sizes = a.Select(e => e!.GetValue<int>()).Distinct().ToList();
        return sizes.Count == 1 ? sizes[0] : throw new FormatException("non-square sample_size");
    }

    /// <summary>config.json as diffusers writes it: sorted keys, 2-space indent, trailing newline.</summary>
    public string ToDiffusersJson()
    {
        static JsonNode? Numbers(IReadOnlyList<double>? xs) => xs is null ? null : new JsonArray(xs.Select(x => (JsonNode)x).ToArray());
        var o = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["_class_name"] = DiffusersClassName,
            ["_diffusers_version"] = DiffusersVersion,
            ["in_channels"] = InChannels,
            ["out_channels"] = OutChannels,
            ["down_block_types"] = new JsonArray(DownBlockTypes.Select(s => (JsonNode)s).ToArray()),
            ["up_block_types"] = new JsonArray(UpBlockTypes.Select(s => (JsonNode)s).ToArray()),
            ["block_out_channels"] = new JsonArray(BlockOutChannels.Select(i => (JsonNode)i).ToArray()),
            ["layers_per_block"] = LayersPerBlock,
            ["act_fn"] = ActivationFunction,
            ["latent_channels"] = LatentChannels,
            ["norm_num_groups"] = NormNumGroups,
            ["sample_size"] = SampleSize,
            ["scaling_factor"] = ScalingFactor,
            ["shift_factor"] = ShiftFactor,
            ["latents_mean"] = Numbers(LatentsMean),
            ["latents_std"] = Numbers(LatentsStd),
            ["force_upcast"] = ForceUpcast,
            ["use_quant_conv"] = UseQuantConv,
            ["use_post_quant_conv"] = UsePostQuantConv,
            ["mid_block_add_attention"] = MidBlockAddAttention,
        };
        var json = new JsonObject(o.Select(kv => KeyValuePair.Create(kv.Key, kv.Value)));
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n";
    }

    /// <summary>What <see cref="AutoencoderKL"/> can build; each message names the key to change.</summary>
    public void Validate()
    {
        if (InChannels < 1 || OutChannels < 1 || LatentChannels < 1 || LayersPerBlock < 1 || NormNumGroups < 1)
            throw new ArgumentException($"in_channels {InChannels}, out_channels {OutChannels}, latent_channels {LatentChannels}, layers_per_block {LayersPerBlock} and norm_num_groups {NormNumGroups} must be positive");
        if (BlockOutChannels.Count < 1 || BlockOutChannels.Count > 8)
            throw new ArgumentException($"block_out_channels has {BlockOutChannels.Count} entries; use 1 to 8 (one per down/up block)");
        var notDivisible = BlockOutChannels.Where(c => c < 1 || c % NormNumGroups != 0).ToList();
        if (notDivisible.Count > 0)
            throw new ArgumentException($"block_out_channels {string.Join(", ", notDivisible)} not a positive multiple of norm_num_groups {NormNumGroups} (every GroupNorm splits its channels into that many groups)");
        if (DownBlockTypes.Count != BlockOutChannels.Count || DownBlockTypes.Any(t => t != DownBlockType))
            throw new ArgumentException($"down_block_types must be {BlockOutChannels.Count} x \"{DownBlockType}\" (one per block_out_channels entry), not [{string.Join(", ", DownBlockTypes)}]");
        if (UpBlockTypes.Count != BlockOutChannels.Count || UpBlockTypes.Any(t => t != UpBlockType))
            throw new ArgumentException($"up_block_types must be {BlockOutChannels.Count} x \"{UpBlockType}\" (one per block_out_channels entry), not [{string.Join(", ", UpBlockTypes)}]");
        if (ActivationFunction != ActFn)
            throw new ArgumentException($"act_fn \"{ActivationFunction}\" is not supported; every AutoencoderKL checkpoint uses \"{ActFn}\"");
        if (!(ScalingFactor > 0) || double.IsInfinity(ScalingFactor))
            throw new ArgumentException($"scaling_factor {ScalingFactor.ToString(CultureInfo.InvariantCulture)} must be a positive number");
        if (ShiftFactor is { } s && !double.IsFinite(s))
            throw new ArgumentException($"shift_factor {s.ToString(CultureInfo.InvariantCulture)} must be a finite number or null");
        if (SampleSize < 1) throw new ArgumentException($"sample_size {SampleSize} must be positive");
    }
}
