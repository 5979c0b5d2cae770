using System.CommandLine;
using Soar.Core.Stages;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>
/// `soar sample`: draws images from a model stage folder by running a "sample" stage outside a build,
/// into a temp folder that is renamed to --out when complete.
/// </summary>
public static class SampleCommand
{
    /// <summary>The option behind each stage parameter, so errors name what the user typed.</summary>
    private static readonly Dictionary<string, string> Options = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Prompts"] = "--prompt", ["Count"] = "--count", ["Steps"] = "--steps", ["Cfg"] = "--cfg", ["Seed"] = "--seed", ["Device"] = "--device",
    };

    /// <summary>Without --prompt the model's own held-out prompts are drawn, which only a built-in world has.</summary>
    private static void RequireBuiltInWorld(StageInput input)
    {
        var config = Soar.Core.Checkpoints.CheckpointReader.Open(Soar.Core.Models.TrainedModel.ResolveCheckpointDir(input.Dir)).Config;
        var world = config["dataset"]?["world"]?.GetValue<string>();
        if (world is null || !Soar.Core.Worlds.WorldCatalog.TryGet(world, out _))
            throw new StageException("SOAR3004", $"--prompt is required: the model in {input.Dir} was trained on '{world ?? "unknown"}' data, which has no held-out prompt set to default to; pass captions, e.g. --prompt \"a red circle\" (repeat --prompt for several)");
    }

    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "A finished model stage folder (e.g. .soar/base), holding manifest.json and the checkpoint." };
        var package = new Option<string?>("--package") { Description = "A model package Id/Version to restore from --source instead of --model." };
        var source = new Option<string?>("--source") { Description = "Feed for --package: a NuGet.config source name, an HTTP(S) URL or a folder." };
        var pipeline = new Option<DirectoryInfo?>("--pipeline") { Description = "The diffusers pipeline folder a --package trained on one needs (its content hash must be the one the package records)." };
        var prompts = new Option<string[]>("--prompt", "-p") { Description = "A caption to draw (repeat for several). Default: the held-out prompt set of the model's built-in world (required for a model trained on custom data).", AllowMultipleArgumentsPerToken = false };
        var count = new Option<int?>("--count", "-n") { Description = "Images to draw (prompts are cycled)." };
        var steps = new Option<int?>("--steps") { Description = "Euler steps." };
        var cfg = new Option<double?>("--cfg") { Description = "Classifier-free guidance scale (1 = none)." };
        var seed = new Option<long?>("--seed") { Description = "Seed of the starting noise." };
        var device = new Option<string?>("--device") { Description = "auto, cpu or cuda." };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to create with the images and manifest.json; must not exist yet.", Required = true };

        var command = new Command("sample", "Draw images from a checkpoint for a set of prompts (writes PNG grids and a manifest).")
        {
            model, package, source, pipeline, prompts, count, steps, cfg, seed, device, output,
        };
        command.SetAction((parse, ct) => CommandAction.RunAsync(async token =>
        {
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (parse.GetValue(prompts) is { Length: > 0 } p) parameters["Prompts"] = string.Join('|', p);
            AdHocStage.Set(parameters, "Count", parse.GetValue(count));
            AdHocStage.Set(parameters, "Steps", parse.GetValue(steps));
            AdHocStage.Set(parameters, "Cfg", parse.GetValue(cfg));
            AdHocStage.Set(parameters, "Seed", parse.GetValue(seed));
            AdHocStage.Set(parameters, "Device", parse.GetValue(device));
            // Option values first: a mistake there never waits for a package restore.
            AdHocStage.CheckOptions("sample", parameters, Options);
            var outDir = AdHocStage.PrepareOutput(parse.GetRequiredValue(output));
            var input = await ModelInput.ResolveAsync(parse.GetValue(model), parse.GetValue(package), parse.GetValue(source), token, parse.GetValue(pipeline));
            if (!parameters.ContainsKey("Prompts")) RequireBuiltInWorld(input);
            AdHocStage.Run("sample", outDir, parameters, [input], token);
            Console.WriteLine($"images written to {outDir}");
            return 0;
        }, ct));
        return command;
    }
}
