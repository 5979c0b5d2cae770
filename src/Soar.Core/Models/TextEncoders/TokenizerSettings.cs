using System.Text.Json.Nodes;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// The special tokens and length of a transformers tokenizer folder: special_tokens_map.json first (transformers lets
/// it override), then tokenizer_config.json, then the tokenizer class's defaults. A token is a string or an AddedToken
/// object ({"content": ...}). model_max_length comes from tokenizer_config.json.
/// </summary>
public sealed record TokenizerSettings(string? BosToken, string EosToken, string PadToken, string UnknownToken, int? ModelMaxLength)
{
    public const string ConfigFile = "tokenizer_config.json";
    public const string SpecialTokensFile = "special_tokens_map.json";

    public static TokenizerSettings Read(string dir, TokenizerSettings defaults)
    {
        var map = ReadIfPresent(Path.Combine(dir, SpecialTokensFile));
        var config = ReadIfPresent(Path.Combine(dir, ConfigFile));
        string? Token(string key, string? fallback) => TokenOf(map, key) ?? TokenOf(config, key) ?? fallback;
        int? maxLength = config?["model_max_length"] is JsonValue v && v.TryGetValue(out double d) && d >= 1 && d < int.MaxValue ? (int)d : defaults.ModelMaxLength;
        return new TokenizerSettings(Token("bos_token", defaults.BosToken), Token("eos_token", defaults.EosToken)!, Token("pad_token", defaults.PadToken)!,
            Token("unk_token", defaults.UnknownToken)!, maxLength);
    }

    private static JsonObject? ReadIfPresent(string path) => File.Exists(path) ? ConfigJson.ReadObject(path) : null;

    private static string? TokenOf(JsonObject? json, string key) => json?[key] switch
    {
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonObject o when o["content"] is JsonValue c && c.TryGetValue(out string? s) => s,
        _ => null,
    };

    /// <summary>The two files as transformers writes them for these tokens (tokenizer_class names the slow class).</summary>
    public void Write(string dir, string tokenizerClass, IReadOnlyDictionary<string, JsonNode?>? extra = null)
    {
        var tokens = new Dictionary<string, JsonNode?> { ["eos_token"] = EosToken, ["pad_token"] = PadToken, ["unk_token"] = UnknownToken };
        if (BosToken is not null) tokens["bos_token"] = BosToken;
        Checkpoints.DurableFile.WriteText(Path.Combine(dir, SpecialTokensFile), ConfigJson.Write(tokens.Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone()))));
        var config = tokens.ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone());
        config["tokenizer_class"] = tokenizerClass;
        if (ModelMaxLength is { } m) config["model_max_length"] = m;
        foreach (var (k, v) in extra ?? new Dictionary<string, JsonNode?>()) config[k] = v?.DeepClone();
        Checkpoints.DurableFile.WriteText(Path.Combine(dir, ConfigFile), ConfigJson.Write(config));
    }
}
