using System.CommandLine;
using System.Globalization;
using Soar.Core.Stages;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>
/// `soar sample`: draws images from a model stage folder by running a "sample" stage outside a build,
/// into a temp folder that is renamed to --out when complete.
/// </summary>
public static class SampleCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "A finished model stage folder (e.g. .soar/base), holding manifest.json and the checkpoint.", Required = true };
        var prompts = new Option<string[]>("--prompt", "-p") { Description = "A caption to draw (repeat for several). Default: the world's held-out prompt set.", AllowMultipleArgumentsPerToken = false };
        var count = new Option<int?>("--count", "-n") { Description = "Images to draw (prompts are cycled)." };
        var steps = new Option<int?>("--steps") { Description = "Euler steps." };
        var cfg = new Option<double?>("--cfg") { Description = "Classifier-free guidance scale (1 = none)." };
        var seed = new Option<long?>("--seed") { Description = "Seed of the starting noise." };
        var device = new Option<string?>("--device") { Description = "auto, cpu or cuda." };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to create with the images and manifest.json; must not exist yet.", Required = true };

        var command = new Command("sample", "Draw images from a checkpoint for a set of prompts (writes PNG grids and a manifest).")
        {
            model, prompts, count, steps, cfg, seed, device, output,
        };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var modelDir = parse.GetRequiredValue(model);
            var outDir = Path.GetFullPath(parse.GetRequiredValue(output).FullName);
            if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
                throw new StageException("SOAR3002", $"--out {outDir} already exists and is not empty; choose a new folder or delete it");
            var modelManifest = Path.Combine(modelDir.FullName, ContentHash.ManifestFileName);
            if (!File.Exists(modelManifest))
                throw new StageException("SOAR2007", $"--model {modelDir.FullName} is not a finished stage folder (no {ContentHash.ManifestFileName}); point it at a model stage's output, e.g. .soar/base");

            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (parse.GetValue(prompts) is { Length: > 0 } p) parameters["Prompts"] = string.Join('|', p);
            if (parse.GetValue(count) is { } n) parameters["Count"] = n.ToString(CultureInfo.InvariantCulture);
            if (parse.GetValue(steps) is { } s) parameters["Steps"] = s.ToString(CultureInfo.InvariantCulture);
            if (parse.GetValue(cfg) is { } w) parameters["Cfg"] = w.ToString("R", CultureInfo.InvariantCulture);
            if (parse.GetValue(seed) is { } z) parameters["Seed"] = z.ToString(CultureInfo.InvariantCulture);
            if (parse.GetValue(device) is { } d) parameters["Device"] = d;

            var temp = $"{outDir}.tmp-{Guid.NewGuid().ToString("N")[..8]}";
            var spec = new StageSpec
            {
                Name = Path.GetFileName(outDir),
                Kind = "sample",
                OutputDir = temp,
                Parameters = parameters,
                Inputs = [new StageInput { Name = modelDir.Name, Kind = StageManifest.Load(modelManifest).Kind, Dir = modelDir.FullName }],
            };
            try
            {
                new StageRunner { ToolVersion = ToolInfo.Version }.Run(spec, new ConsoleStageLog(spec.Name), ct);
                if (Directory.Exists(outDir)) Directory.Delete(outDir);
                Directory.Move(temp, outDir);
            }
            finally
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            }
            Console.WriteLine($"images written to {outDir}");
            return 0;
        }, ct));
        return command;
    }
}
