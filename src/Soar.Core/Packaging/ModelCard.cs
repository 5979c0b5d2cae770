using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Soar.Core.Stages;
using Soar.Core.Worlds;

namespace Soar.Core.Packaging;

/// <summary>The package README: what the model is, how it was trained (lineage), its scores and how to sample it.</summary>
public static class ModelCard
{
    public static string Render(ModelPackageInfo info, JsonObject config, StageManifest modelManifest, JsonObject? evalMetrics, Bases.BaseReference? baseReference = null)
    {
        var text = new StringBuilder();
        var world = config["dataset"]?["world"]?.GetValue<string>();
        text.Append("# ").Append(info.Id).Append(' ').Append(info.Version.ToNormalizedString()).Append("\n\n");
        text.Append(Summary(info, config)).Append("\n\n");

        text.Append("## Model\n\n");
        if (config["model"] is JsonObject model)
            foreach (var (key, value) in model)
                text.Append("- ").Append(key).Append(": ").Append(value is JsonValue v && v.TryGetValue<string>(out var word) ? word : value?.ToJsonString()).Append('\n');
        var tokenizerKind = config["tokenizer"]?["kind"]?.GetValue<string>() ?? "word";
        if (config["tokenizer"] is null && config["model"]?["architecture"]?.GetValue<string>() == Models.Pipeline.SD3PipelineConfig.Name)
            text.Append("- captions and images: encoded by the VAE and text encoders of the diffusers pipeline folder named above (not in this package)\n");
        else text.Append("- caption vocabulary: ").Append((config["tokenizer"]?["vocabulary"] as JsonArray)?.Count ?? 0).Append(' ')
            .Append(tokenizerKind == "subword" ? "subword tokens (open vocabulary: any caption encodes)" : "words").Append('\n');
        // "custom" is how curate names user data; only the built-in worlds are worlds.
        if (world is not null && WorldCatalog.TryGet(world, out _)) text.Append("- training data: built-in world `").Append(world).Append("`\n");
        else if (config["dataset"]?["stage"]?.GetValue<string>() is { } datasetStage) text.Append("- training data: your own images (dataset stage `").Append(datasetStage).Append("`)\n");
        text.Append('\n');

        if (baseReference is not null) AppendBase(text, info, baseReference);

        text.Append("## How it was trained\n\n");
        if (config["lineage"] is JsonArray lineage)
            foreach (var (step, index) in lineage.Select((s, i) => (s, i + 1)))
                text.Append(index).Append(". ").Append(step?["objective"]).Append(", ").Append(step?["steps"]).Append(" steps on dataset stage `")
                    .Append(step?["dataset"]).Append("`, seed ").Append(step?["seed"]).Append('\n');
        text.Append("\nStage `").Append(modelManifest.Name).Append("` (kind ").Append(modelManifest.Kind).Append("), content hash `").Append(modelManifest.ContentHash).Append("`.\n");
        foreach (var input in modelManifest.Inputs)
            text.Append("- input `").Append(input.Name).Append("` (").Append(input.Kind).Append("), content hash `").Append(input.ContentHash).Append("`\n");
        text.Append("- parameters: ").Append(string.Join(", ", modelManifest.Parameters.Select(p => $"{p.Key}={p.Value}"))).Append('\n');
        text.Append("- versions: soar ").Append(modelManifest.Versions.Tool).Append(", TorchSharp ").Append(modelManifest.Versions.TorchSharp)
            .Append(", libtorch ").Append(modelManifest.Versions.Libtorch).Append("\n\n");

        text.Append("## Scores\n\n");
        AppendScores(text, evalMetrics);

        text.Append("## How to sample it\n\n```\n");
        text.Append("soar sample --package ").Append(info.Id).Append('/').Append(info.Version.ToNormalizedString())
            .Append(" --source <feed> --prompt \"").Append(ExamplePrompt(world)).Append("\" --out samples\n```\n\n");
        if (baseReference is { Links.Count: > 0 })
            text.Append("Files: `").Append(ModelPackageLayout.ModelFolder).Append("/adapter` (the LoRA tensors of model.safetensors and ema.safetensors), `")
                .Append(ModelPackageLayout.ModelFolder).Append("/lora/pytorch_lora_weights.safetensors` (diffusers' format), `").Append(Bases.BaseReference.FileName).Append("` (the base), `")
                .Append(ModelPackageLayout.ContentManifest).Append("` (SHA-256 of every file, checked before use).\n");
        else text.Append("Files: `").Append(ModelPackageLayout.ModelFolder).Append("/checkpoint` (config.json, model.safetensors), `")
            .Append(ModelPackageLayout.ContentManifest).Append("` (SHA-256 of every file, checked before use).\n");
        if (info.License is not null) text.Append("\nLicense: ").Append(info.License).Append('\n');
        return text.ToString();
    }

    private static void AppendBase(StringBuilder text, ModelPackageInfo info, Bases.BaseReference reference)
    {
        text.Append("## Base\n\n");
        text.Append(reference.Links.Count > 0
            ? $"This package holds LoRA adapters only ({reference.Links.Count} training stage{(reference.Links.Count == 1 ? "" : "s")}), not the base weights: they are rebuilt on {reference.Describe()}, which a consumer must have.\n"
            : $"This package holds full weights; its VAE and text encoders are those of {reference.Describe()}, which a consumer must have.\n");
        text.Append(reference.Kind == Bases.BaseReference.PackageKind
            ? "The base package is restored from the same feed (else the NuGet.config feeds) and must have that content hash.\n\n"
            : $"Point to your copy of the folder with `<BaseModel Include=\"{info.Id}\" Version=\"{info.Version.ToNormalizedString()}\" Pipeline=\"<folder>\" />` (or `PackagePipeline` on the stage, `--pipeline` for soar sample); its content hash must match.\n\n");
    }

    public static string Summary(ModelPackageInfo info, JsonObject config) =>
        info.Description ?? $"A text-to-image rectified-flow model ({config["objective"]?.GetValue<string>() ?? "trained"} objective) post-trained with Soar.Pipeline.";

    private static void AppendScores(StringBuilder text, JsonObject? metrics)
    {
        // Per prompt set; metrics.json from before prompt sets has one, at the top level.
        var sets = metrics?["prompt_sets"] is JsonObject perSet ? perSet.Select(kv => (Name: kv.Key, Set: kv.Value as JsonObject)).ToList()
            : metrics is not null ? [(Name: "eval", Set: metrics)] : [];
        if (sets.Count == 0 || sets.All(s => s.Set?["arms"] is not JsonArray { Count: > 0 }))
        {
            text.Append("Not evaluated: the package stage had no eval stage upstream.\n\n");
            return;
        }
        var metric = metrics!["metric"]?.GetValue<string>();
        var rows = new StringBuilder();
        foreach (var (name, set) in sets)
            foreach (var arm in (set?["arms"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var armName = arm["name"]?.GetValue<string>();
                if (metric is not null && arm[metric] is JsonObject main) Row(rows, armName, name, metric, main);
                if (arm["tasks"] is JsonObject tasks)
                    foreach (var (task, score) in tasks) if (score is JsonObject s) Row(rows, armName, name, task, s);
            }
        text.Append("From eval stage `").Append(metrics["stage"]).Append("`: ")
            .Append(string.Join(", ", sets.Select(s => $"{s.Name} ({s.Set?["prompts"]} prompts)"))).Append(" x ")
            .Append(metrics["samples_per_prompt"]).Append(" samples");
        if (rows.Length == 0)
        {
            // Custom data has no scorer: say so instead of printing an empty table.
            text.Append(". No task scores: no scorer knows this data (only the built-in worlds have one); the eval report (report.html in the package) shows the images and the Fr\u00e9chet distance.\n\n");
            return;
        }
        text.Append(" (mean, 95% interval).\n\n| arm | prompt set | task | mean | 95% interval | n |\n|---|---|---|---|---|---|\n").Append(rows).Append('\n');
    }

    private static void Row(StringBuilder text, string? arm, string set, string task, JsonObject score) =>
        text.Append("| ").Append(arm).Append(" | ").Append(set).Append(" | ").Append(task).Append(" | ").Append(Number(score["mean"])).Append(" | ")
            .Append(score["ci95"] is JsonArray ci && ci.Count == 2 ? $"{Number(ci[0])} to {Number(ci[1])}" : "-")
            .Append(" | ").Append(score["n"]).Append(" |\n");

    private static string Number(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) ? d.ToString("0.###", CultureInfo.InvariantCulture) : "-";

    // A caption the model's vocabulary is known to hold: the world's first held-out prompt.
    private static string ExamplePrompt(string? world) =>
        world is not null && WorldCatalog.TryGet(world, out var w) && w.HeldOutPrompts().FirstOrDefault() is { } p
            ? p.Caption.Replace("\"", "\\\"") : "<caption>";
}
