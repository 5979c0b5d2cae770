using System.CommandLine;
using Soar.Core.Stages;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>
/// `soar new [name]`: writes a commented starter .soarproj (curate -> sft -> sample) that builds as written: in
/// package form with a nuget.config naming the feed that holds the SDK package and SoarToolPath naming this worker,
/// or importing a clone's SDK folder (--sdk-dir). Never overwrites.
/// </summary>
public static class NewCommand
{
    /// <summary>README's feed folder ("Using the SDK outside this repository").</summary>
    public static string DefaultFeed => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "soar-feed");

    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "Project name; writes <name>.soarproj.", DefaultValueFactory = _ => "pipeline" };
        var dir = new Option<DirectoryInfo?>("--output", "-o") { Description = "Folder to write into (default: the current folder)." };
        var sdkDir = new Option<DirectoryInfo?>("--sdk-dir") { Description = "Import Sdk.props/Sdk.targets from this folder (a Soar.Pipeline clone's src/Soar.Pipeline.Tasks/Sdk) instead of the Soar.Pipeline.Sdk package." };
        var feed = new Option<DirectoryInfo?>("--feed") { Description = "Folder holding the Soar.Pipeline.Sdk package (from `dotnet pack src/Soar.Pipeline.Tasks -c Release -o <folder>`); default ~/soar-feed. Written to nuget.config." };
        var command = new Command("new", "Write a starter .soarproj with comments: curate the shapes world, SFT a tiny model, sample a grid. Refuses to overwrite.")
        {
            name, dir, sdkDir, feed,
        };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var projectName = parse.GetRequiredValue(name);
            if (projectName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || projectName.StartsWith('.'))
                throw new StageException("SOAR3003", $"'{projectName}' is not a valid project name; use letters, digits, '-' or '_'");
            var folder = parse.GetValue(dir)?.FullName ?? Directory.GetCurrentDirectory();
            var path = Path.Combine(folder, projectName + ".soarproj");
            if (File.Exists(path))
                throw new StageException("SOAR3001", $"{path} already exists; pick another name or delete it (soar new never overwrites)");

            string text;
            string? nugetConfig = null;
            if (parse.GetValue(sdkDir) is { } sdk)
            {
                if (!File.Exists(Path.Combine(sdk.FullName, "Sdk.props")) || !File.Exists(Path.Combine(sdk.FullName, "Sdk.targets")))
                    throw new StageException("SOAR3005", $"--sdk-dir {sdk.FullName} holds no Sdk.props and Sdk.targets; give a Soar.Pipeline clone's src/Soar.Pipeline.Tasks/Sdk folder");
                text = StarterProject.Text(sdk.FullName, ToolInfo.Version, null);
            }
            else
            {
                var feedDir = parse.GetValue(feed)?.FullName ?? DefaultFeed;
                RequireSdkPackage(feedDir, parse.GetValue(feed) is null);
                nugetConfig = PrepareNuGetConfig(folder, feedDir);
                text = StarterProject.Text(null, ToolInfo.Version, OwnToolPath());
            }

            Directory.CreateDirectory(folder);
            WriteNew(path, text);
            if (nugetConfig is not null) WriteNew(Path.Combine(folder, "nuget.config"), nugetConfig);
            Console.WriteLine($"wrote {path}{(nugetConfig is null ? "" : " and nuget.config")}; run it with: dotnet build {Path.GetRelativePath(Directory.GetCurrentDirectory(), path)}");
            return 0;
        }, ct));
        return command;
    }

    /// <summary>The feed must hold this tool's SDK version, or `dotnet build` fails with MSB4236 (SDK not found).</summary>
    private static void RequireSdkPackage(string feedDir, bool isDefault)
    {
        var package = $"{StarterProject.SdkPackageId}.{ToolInfo.Version}.nupkg";
        bool found = Directory.Exists(feedDir) && Directory.EnumerateFiles(feedDir, "*.nupkg")
            .Any(f => string.Equals(Path.GetFileName(f), package, StringComparison.OrdinalIgnoreCase));
        if (!found)
            throw new StageException("SOAR3005", $"{(isDefault ? "the default feed " : "--feed ")}{feedDir} holds no {package}, so the project could not find its SDK; make it, in your Soar.Pipeline clone: dotnet pack src/Soar.Pipeline.Tasks -c Release -o {feedDir} (or pass --sdk-dir <clone>/src/Soar.Pipeline.Tasks/Sdk to import the SDK from the clone)");
    }

    /// <summary>The nuget.config to write, or null when one already lists the feed; one that does not is an error (never overwritten).</summary>
    private static string? PrepareNuGetConfig(string folder, string feedDir)
    {
        var existing = Path.Combine(folder, "nuget.config");
        if (!File.Exists(existing)) return StarterProject.NuGetConfig(feedDir);
        if (File.ReadAllText(existing).Contains(feedDir, StringComparison.Ordinal)) return null;
        throw new StageException("SOAR3001", $"{existing} already exists and does not list {feedDir}; add <add key=\"soar-local\" value=\"{feedDir}\" /> to its <packageSources>, or write the project into another folder with --output");
    }

    /// <summary>This worker's path: soar.dll when run through the dotnet host, else the executable itself.</summary>
    private static string OwnToolPath()
    {
        var process = Environment.ProcessPath ?? "";
        var dll = Path.Combine(AppContext.BaseDirectory, "soar.dll");
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase) && File.Exists(dll) ? dll : process;
    }

    // CreateNew: a file that appeared meanwhile is still not overwritten.
    private static void WriteNew(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}
