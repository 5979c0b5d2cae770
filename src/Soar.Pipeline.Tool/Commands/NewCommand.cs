using System.CommandLine;
using Soar.Core.Stages;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>`soar new [name]`: writes a commented starter .soarproj (curate -> sft -> sample).</summary>
public static class NewCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Project name; writes <name>.soarproj.", DefaultValueFactory = _ => "pipeline" };
        var dir = new Option<DirectoryInfo?>("--output", "-o") { Description = "Folder to write into (default: the current folder)." };
        var sdkDir = new Option<DirectoryInfo?>("--sdk-dir") { Description = "Import Sdk.props/Sdk.targets from this folder (a Soar.Pipeline clone's src/Soar.Pipeline.Tasks/Sdk) instead of the Soar.Pipeline.Sdk package." };
        var command = new Command("new", "Write a starter .soarproj with comments: curate the shapes world, SFT a tiny model, sample a grid. Refuses to overwrite.")
        {
            name, dir, sdkDir,
        };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var projectName = parse.GetRequiredValue(name);
            if (projectName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || projectName.StartsWith('.'))
                throw new StageException("SOAR3003", $"'{projectName}' is not a valid project name; use letters, digits, '-' or '_'");
            var folder = parse.GetValue(dir)?.FullName ?? Directory.GetCurrentDirectory();
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, projectName + ".soarproj");
            if (File.Exists(path))
                throw new StageException("SOAR3001", $"{path} already exists; pick another name or delete it (soar new never overwrites)");
            var text = StarterProject.Text(parse.GetValue(sdkDir)?.FullName, ToolInfo.Version);
            // CreateNew: a file that appeared meanwhile is still not overwritten.
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new StreamWriter(stream))
                writer.Write(text);
            Console.WriteLine($"wrote {path}; run it with: dotnet build {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}");
            return 0;
        }, ct));
        return command;
    }
}
