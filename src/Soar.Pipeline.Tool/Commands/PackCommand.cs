using System.CommandLine;
using Soar.Core.Packaging;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>`soar pack`: packs a finished model stage (and optionally its eval stage) into a model .nupkg.</summary>
public static class PackCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model", "-m") { Description = "A finished model stage folder (e.g. .soar/base).", Required = true };
        var eval = new Option<DirectoryInfo?>("--eval") { Description = "A finished eval stage folder whose metrics.json and report.html go into the package and its model card." };
        var id = new Option<string>("--id") { Description = "NuGet package id, e.g. Contoso.Shapes.Base.", Required = true };
        var version = new Option<string>("--version") { Description = "NuGet package version.", DefaultValueFactory = _ => "1.0.0" };
        var authors = new Option<string?>("--authors") { Description = "Comma-separated authors (default: the id)." };
        var license = new Option<string?>("--license") { Description = "SPDX license expression, e.g. MIT." };
        var description = new Option<string?>("--description") { Description = "One-line description (default: generated)." };
        var maxMb = new Option<int>("--max-package-mb") { Description = "Refuse a package holding more than this many MB (nuget.org accepts 250); a LoRA-trained model packs its adapters alone.", DefaultValueFactory = _ => PackageSizeLimit.DefaultMegabytes };
        var output = new Option<DirectoryInfo>("--out", "-o") { Description = "Folder to write the .nupkg into.", DefaultValueFactory = _ => new DirectoryInfo(".") };

        var command = new Command("pack", "Pack a trained model (checkpoint, lineage, eval metrics, model card) into a NuGet package of type SoarModel.")
        {
            model, eval, id, version, authors, license, description, maxMb, output,
        };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var info = ModelPackageInfo.Parse(parse.GetRequiredValue(id), parse.GetRequiredValue(version), parse.GetValue(authors), parse.GetValue(license), parse.GetValue(description));
            var path = ModelPackageWriter.Write(info, parse.GetRequiredValue(model).FullName, parse.GetValue(eval)?.FullName, parse.GetRequiredValue(output).FullName, parse.GetValue(maxMb));
            Console.WriteLine($"packed {path}");
            // Consumers pin this value (<BaseModel ... ContentHash="..."/>); restore recomputes it from the extracted files.
            Console.WriteLine($"content hash {ModelPackageExtractor.ContentHashOf(path)}");
            return 0;
        }, ct));
        return command;
    }
}
