using System.Globalization;

namespace Soar.Core.Models.Lora;

/// <summary>
/// What LoRA adapters to add: rank r, alpha (the update is scaled by alpha / r), the target module names (a module
/// matches a target when its name equals it or ends with "." + it, as PEFT matches) and A's initialisation.
/// Written as a stage parameter: "rank=32;alpha=64;targets=to_q,to_k,to_v;init=gaussian" (every key optional).
/// </summary>
public sealed record LoraSettings
{
    /// <summary>flow_grpo's SD3.5 targets: the joint attention's projections of both streams.</summary>
    public static IReadOnlyList<string> AttentionTargets { get; } = ["to_q", "to_k", "to_v", "to_out.0", "add_q_proj", "add_k_proj", "add_v_proj", "to_add_out"];
    public const string KaimingInit = "kaiming";
    public const string GaussianInit = "gaussian";

    public int Rank { get; init; } = 32;
    public double Alpha { get; init; } = 64;
    public IReadOnlyList<string> Targets { get; init; } = AttentionTargets;
    /// <summary>"kaiming" (PEFT's default) or "gaussian" (N(0, 1/r^2), what flow_grpo asks PEFT for).</summary>
    public string Init { get; init; } = KaimingInit;

    public double Scaling => Alpha / Rank;

    /// <summary>Parses "key=value;..." (keys rank, alpha, targets, init); errors name <paramref name="parameter"/> and the bad part.</summary>
    public static LoraSettings Parse(string text, string parameter = "Lora")
    {
        var settings = new LoraSettings();
        foreach (var part in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2) throw new ArgumentException($"{parameter}: '{part}' is not key=value (keys: rank, alpha, targets, init)");
            settings = kv[0].ToLowerInvariant() switch
            {
                "rank" or "r" => settings with { Rank = int.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r >= 1 ? r
                    : throw new ArgumentException($"{parameter}: rank '{kv[1]}' is not a positive integer") },
                "alpha" or "lora_alpha" => settings with { Alpha = double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var a) && a > 0 && double.IsFinite(a) ? a
                    : throw new ArgumentException($"{parameter}: alpha '{kv[1]}' is not a positive number") },
                "targets" or "target_modules" => settings with { Targets = kv[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } t ? t
                    : throw new ArgumentException($"{parameter}: targets is empty; name module names such as {string.Join(",", AttentionTargets)}") },
                "init" => settings with { Init = kv[1].ToLowerInvariant() is KaimingInit or GaussianInit ? kv[1].ToLowerInvariant()
                    : throw new ArgumentException($"{parameter}: init '{kv[1]}' is not {KaimingInit} or {GaussianInit}") },
                _ => throw new ArgumentException($"{parameter}: unknown key '{kv[0]}' (keys: rank, alpha, targets, init)"),
            };
        }
        return settings;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"rank={Rank};alpha={Alpha};targets={string.Join(",", Targets)};init={Init}");

    /// <summary>Whether a module name matches a target, as PEFT's string targets match.</summary>
    public bool Matches(string moduleName) =>
        Targets.Any(t => moduleName == t || moduleName.EndsWith("." + t, StringComparison.Ordinal));
}
