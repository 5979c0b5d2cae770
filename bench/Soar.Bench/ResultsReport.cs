using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Soar.Bench;

/// <summary>
/// `--results pipelines/bench/.soar`: reads the benchmark pipeline's eval metrics and stage manifests and prints the
/// markdown tables of docs/RESULTS.md (per world and prompt set: each method's mean over seeds with its 95% t interval,
/// the Welch difference against SFT, per-task scores; per world drift recovery, Fréchet distance, training wall time),
/// and writes them as JSON. Reads metrics.json from before prompt sets too (one set, named "eval").
/// </summary>
public static class ResultsReport
{
    private static readonly (string Group, string Label)[] Methods =
        [("sft", "SFT, equal steps"), ("soar", "SOAR, equal steps"), ("sftc", "SFT, equal compute"), ("grpo", "Flow-GRPO, equal steps")];

    public static int Run(string outputRoot, string jsonPath)
    {
        var md = new StringBuilder();
        var summary = new JsonObject();
        double total = Directory.EnumerateDirectories(outputRoot).Select(d => Path.Combine(d, "manifest.json")).Where(File.Exists)
            .Sum(m => Manifest(m)?["run"]?["wallSeconds"]?.GetValue<double>() ?? 0);
        foreach (var world in new[] { "shapes", "glyphs" })
        {
            var metricsPath = Path.Combine(outputRoot, $"{world}-eval", "metrics.json");
            if (!File.Exists(metricsPath)) { Console.Error.WriteLine($"results: {metricsPath} not found; build pipelines/bench/soar-vs-sft.soarproj first"); return 2; }
            var metrics = JsonNode.Parse(File.ReadAllText(metricsPath))!;
            var metric = metrics["metric"]!.GetValue<string>();
            var sets = PromptSets(metrics);
            var groups = Groups(metrics["groups"]);
            var diffs = Comparisons(metrics["group_comparisons"]);
            var baseArm = metrics["arms"]!.AsArray()[0]!;
            var baseName = baseArm["name"]!.GetValue<string>();
            md.AppendLine($"### {world} ({(metric == "geneval" ? "GenEval-style" : "OCR")}; {string.Join(", ", sets.Select(s => $"{s.Name} {s.Node["prompts"]} prompts"))} x {metrics["samples_per_prompt"]} samples per arm)").AppendLine();
            md.AppendLine($"| arm | steps | train s/seed | {string.Join(" | ", sets.Select(s => $"{metric} {s.Name} | - SFT"))} | Fréchet | - SFT |");
            md.AppendLine("|---|---:|---:|" + string.Concat(sets.Select(_ => "---:|---:|")) + "---:|---:|");
            md.AppendLine($"| base ({baseName}) | {Param(outputRoot, baseName, "Steps")} | {Wall(outputRoot, baseName):F0} | {string.Concat(sets.Select(s => $"{Score(s.Arms.GetValueOrDefault(baseName)?[metric])} | | "))}{baseArm["frechet"]?["distance"]?.GetValue<double>().ToString("F1", CultureInfo.InvariantCulture)} | |");
            var worldJson = new JsonObject
            {
                ["metric"] = metric, ["total_wall_seconds"] = total,
                ["base"] = new JsonObject(sets.Select(s => KeyValuePair.Create(s.Name, s.Arms.GetValueOrDefault(baseName)?[metric]?.DeepClone()))),
            };
            foreach (var (group, label) in Methods)
            {
                if (!groups.TryGetValue(group, out var g)) continue;
                var arms = g["arms"]!.AsArray().Select(a => a!.GetValue<string>()).ToList();
                double wall = arms.Average(a => Wall(outputRoot, a));
                var m = g["metrics"]!;
                var d = diffs.GetValueOrDefault(group);
                var scores = sets.Select(s => $"{Score(s.Groups.GetValueOrDefault(group)?[metric])} | {Score(s.Diffs.GetValueOrDefault(group)?[metric], "difference")}");
                md.AppendLine($"| {label} | {Param(outputRoot, arms[0], "Steps")} | {wall:F0} | {string.Join(" | ", scores)} | {Score(m["frechet"], digits: "F1")} | {Score(d?["frechet"], "difference", "F1")} |");
                worldJson[group] = new JsonObject
                {
                    ["arms"] = new JsonArray(arms.Select(a => (JsonNode?)a).ToArray()), ["train_seconds_per_seed"] = wall, ["metrics"] = m.DeepClone(), ["minus_sft"] = d?.DeepClone(),
                    ["prompt_sets"] = new JsonObject(sets.Select(s => KeyValuePair.Create(s.Name, (JsonNode?)new JsonObject
                    {
                        ["metrics"] = s.Groups.GetValueOrDefault(group)?.DeepClone(), ["minus_sft"] = s.Diffs.GetValueOrDefault(group)?.DeepClone(),
                    }))),
                };
            }
            md.AppendLine();
            foreach (var set in sets)
                AppendKeyTable(md, set.Groups, "task.", $"Per task, {set.Name} prompts (mean over seeds [95% t interval])");
            // GenEval images score 0 or 1, so there critique (share of perturbed runs correct) equals the perturbed score.
            var driftSet = metrics["drift_prompt_set"]?.GetValue<string>() is { } ds ? $" ({ds} prompts)" : "";
            AppendKeyTable(md, groups.ToDictionary(kv => kv.Key, kv => kv.Value["metrics"]!), "drift.", metric == "geneval"
                ? $"Drift recovery{driftSet}: score of the perturbed trajectories (`perturbed`) and RMS image change (`image_distance`) per injection step"
                : $"Drift recovery{driftSet}: mean score (`perturbed`) and exact-match share (`critique`) of the perturbed trajectories, and RMS image change (`image_distance`) per injection step",
                skip: metric == "geneval" ? ".critique" : null);
            summary[world] = worldJson;
        }
        md.AppendLine($"Sum of stage wall times: {total / 60:F1} min.");
        Console.Write(md.ToString());
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        File.WriteAllText(jsonPath, summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {jsonPath}");
        return 0;
    }

    /// <summary>One prompt set of an eval: its node, each arm's scores by name, and the seed groups' metrics and differences to SFT by group.</summary>
    private sealed record PromptSet(string Name, JsonNode Node, Dictionary<string, JsonNode?> Arms, Dictionary<string, JsonNode> Groups, Dictionary<string, JsonNode> Diffs);

    /// <summary>The eval's prompt sets; a metrics.json from before prompt sets is one set, "eval", at the top level.</summary>
    private static List<PromptSet> PromptSets(JsonNode metrics)
    {
        var nodes = metrics["prompt_sets"] is JsonObject sets ? sets.Select(kv => (kv.Key, kv.Value!)).ToList() : [("eval", metrics)];
        return nodes.Select(n => new PromptSet(n.Item1, n.Item2,
            n.Item2["arms"]!.AsArray().ToDictionary(a => a!["name"]!.GetValue<string>(), a => a),
            Groups(n.Item2["groups"]).ToDictionary(kv => kv.Key, kv => kv.Value["metrics"]!), Comparisons(n.Item2["group_comparisons"]))).ToList();
    }

    private static Dictionary<string, JsonNode> Groups(JsonNode? groups) =>
        (groups?.AsArray() ?? []).ToDictionary(g => g!["name"]!.GetValue<string>(), g => g!);

    private static Dictionary<string, JsonNode> Comparisons(JsonNode? comparisons) =>
        (comparisons?.AsArray() ?? []).ToDictionary(g => g!["group"]!.GetValue<string>(), g => g!["metrics"]!);

    /// <summary>A table of every metric key with the prefix (rows) by method (columns), from each group's metrics.</summary>
    private static void AppendKeyTable(StringBuilder md, Dictionary<string, JsonNode> metrics, string prefix, string title, string? skip = null)
    {
        var keys = metrics.Values.SelectMany(m => m.AsObject().Select(kv => kv.Key))
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && (skip is null || !k.EndsWith(skip, StringComparison.Ordinal))).Distinct().ToList();
        if (keys.Count == 0) return;
        var present = Methods.Where(m => metrics.ContainsKey(m.Group)).ToList();
        md.AppendLine($"{title}:").AppendLine();
        md.AppendLine("| " + string.Join(" | ", new[] { "metric" }.Concat(present.Select(m => m.Label))) + " |");
        md.AppendLine("|---|" + string.Concat(present.Select(_ => "---:|")));
        foreach (var key in keys)
            md.AppendLine($"| {key[prefix.Length..]} | " + string.Join(" | ", present.Select(m => Score(metrics[m.Group][key]))) + " |");
        md.AppendLine();
    }

    private static string Score(JsonNode? node, string field = "mean", string digits = "F3")
    {
        if (node?[field] is not { } v) return "-";
        var ci = node["ci95"]?.AsArray();
        string F(JsonNode? x) => x is null ? "?" : x.GetValue<double>().ToString(digits, CultureInfo.InvariantCulture);
        var sign = field == "difference" && v.GetValue<double>() > 0 ? "+" : "";
        return ci is null ? $"{sign}{F(v)}" : $"{sign}{F(v)} [{F(ci[0])}, {F(ci[1])}]";
    }

    private static JsonNode? Manifest(string path) => JsonNode.Parse(File.ReadAllText(path));

    private static double Wall(string root, string stage) =>
        Manifest(Path.Combine(root, stage, "manifest.json"))?["run"]?["wallSeconds"]?.GetValue<double>() ?? double.NaN;

    private static string Param(string root, string stage, string name) =>
        Manifest(Path.Combine(root, stage, "manifest.json"))?["parameters"]?[name]?.GetValue<string>() ?? "?";
}
