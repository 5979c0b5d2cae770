using System.CommandLine;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>
/// `soar eval`: scores one or more model stages on their world's in-distribution and held-out prompts (GenEval-style / OCR), with drift
/// recovery and a Fréchet distance, into metrics.json, grids and report.html. Several --model options compare them
/// side by side (the first is the baseline of the paired differences).
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var models = new Option<DirectoryInfo[]>("--model", "-m") { Description = "A finished model stage folder (repeat to compare; the first is the baseline)." };
        var packages = new Option<string[]>("--package") { Description = "A model package Id/Version restored from --source, scored after the --model folders (repeat for several)." };
        var source = new Option<string?>("--source") { Description = "Feed for --package: a NuGet.config source name, an HTTP(S) URL or a folder." };
        var pipeline = new Option<DirectoryInfo?>("--pipeline") { Description = "The diffusers pipeline folder a --package trained on one needs (its content hash must be the one the package records)." };
        var data = new Option<DirectoryInfo?>("--data", "-d") { Description = "A finished curate stage folder: real images for the Fréchet distance (and prompts for custom data)." };
        var prompts = new Option<string?>("--prompts") { Description = "Prompt sets, ';'-separated (default in_distribution;held_out): in_distribution, held_out, eval, validation, or captions separated by '|'." };
        var inDistribution = new Option<int?>("--in-distribution-prompts") { Description = "Prompts of the in_distribution set, drawn fresh from the world's training captions (default 640)." };
        var samples = new Option<int?>("--samples-per-prompt") { Description = "Images per prompt and model." };
        var perTask = new Option<int?>("--prompts-per-task") { Description = "Keep the first N prompts of each task of the fixed sets (0 = all)." };
        var steps = new Option<int?>("--steps") { Description = "Euler steps." };
        var cfg = new Option<double?>("--cfg") { Description = "Classifier-free guidance scale." };
        var seed = new Option<long?>("--seed") { Description = "Seed of the shared starting noise, perturbations and feature network." };
        var driftSteps = new Option<string?>("--drift-steps") { Description = "Injection steps for drift recovery: fractions or step indices, comma-separated." };
        var driftMode = new Option<string?>("--drift-mode") { Description = "noise (fixed-norm perturbation) or coarse (the model's own coarser prediction)." };
        var frechet = new Option<int?>("--frechet-samples") { Description = "Images per side for the Fréchet distance (0 = skip)." };
        var device = new Option<string?>("--device") { Description = "auto, cpu or cuda." };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to create with metrics.json, grids and report.html; must not exist yet.", Required = true };

        var command = new Command("eval", "Score model stages on in-distribution and held-out prompts and write metrics.json, pass/fail grids and report.html.")
        {
            models, packages, source, pipeline, data, prompts, inDistribution, samples, perTask, steps, cfg, seed, driftSteps, driftMode, frechet, device, output,
        };
        command.SetAction((parse, ct) => CommandAction.RunAsync(async ct =>
        {
            var outDir = AdHocStage.PrepareOutput(parse.GetRequiredValue(output));
            var inputs = (parse.GetValue(models) ?? []).Select(m => AdHocStage.Input(m, "--model")).ToList();
            foreach (var package in parse.GetValue(packages) ?? [])
                inputs.Add(await ModelInput.ResolveAsync(null, package, parse.GetValue(source), ct, parse.GetValue(pipeline)));
            if (inputs.Count == 0) throw new Soar.Core.Stages.StageException("SOAR2631", "give at least one --model <stage folder> or --package Id/Version --source <feed>");
            if (parse.GetValue(data) is { } d) inputs.Add(AdHocStage.Input(d, "--data"));
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            AdHocStage.Set(parameters, "Prompts", parse.GetValue(prompts));
            AdHocStage.Set(parameters, "InDistributionPrompts", parse.GetValue(inDistribution));
            AdHocStage.Set(parameters, "SamplesPerPrompt", parse.GetValue(samples));
            AdHocStage.Set(parameters, "PromptsPerTask", parse.GetValue(perTask));
            AdHocStage.Set(parameters, "Steps", parse.GetValue(steps));
            AdHocStage.Set(parameters, "Cfg", parse.GetValue(cfg));
            AdHocStage.Set(parameters, "Seed", parse.GetValue(seed));
            AdHocStage.Set(parameters, "DriftSteps", parse.GetValue(driftSteps));
            AdHocStage.Set(parameters, "DriftMode", parse.GetValue(driftMode));
            AdHocStage.Set(parameters, "FrechetSamples", parse.GetValue(frechet));
            AdHocStage.Set(parameters, "Device", parse.GetValue(device));
            AdHocStage.Run("eval", outDir, parameters, inputs, ct);
            Console.WriteLine($"report written to {Path.Combine(outDir, "report.html")}");
            return 0;
        }, ct));
        return command;
    }
}
