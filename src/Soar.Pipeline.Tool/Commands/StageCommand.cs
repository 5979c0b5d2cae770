using System.CommandLine;
using Soar.Core.Packaging;
using Soar.Core.Stages;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>`soar stage run spec.json` (the worker the build launches) and `soar stage kinds`.</summary>
public static class StageCommand
{
    public static Command Create()
    {
        var stage = new Command("stage", "Run one pipeline stage or list the stage kinds.");

        var spec = new Argument<FileInfo>("spec") { Description = "Stage spec JSON written by the Soar.Pipeline build task." };
        var run = new Command("run", "Run one stage from its spec; writes the outputs and manifest.json into the spec's outputDir.") { spec };
        run.SetAction(async (parse, ct) =>
        {
            // Started by a build: stop when that build (or its task host) is gone, e.g. after kill -9 of `dotnet build`.
            using var lease = BuildLease.FromEnvironment()?.Start(ct, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), pid =>
                CommandAction.Error("SOAR2015", $"the build that started this stage (pid {pid}) is gone; stopping, nothing is moved into place"));
            return await RunStage(parse.GetRequiredValue(spec), lease?.Token ?? ct);
        });
        stage.Add(run);

        var kinds = new Command("kinds", "List the stage kinds and their parameters (from stage-kinds.json).");
        kinds.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            foreach (var kind in StageKindCatalog.Default.Kinds.Values)
            {
                var implemented = StageRegistry.Default.Contains(kind.Name) ? "" : " (not implemented in this build)";
                Console.WriteLine($"{kind.Name}{implemented}: {kind.Description}");
                foreach (var p in kind.Parameters.Values)
                {
                    var range = p.Choices is { } c ? $" one of {string.Join("|", c)}" : (p.Min, p.Max) switch
                    {
                        (null, null) => "",
                        (var min, null) => $" >= {min}",
                        (null, var max) => $" <= {max}",
                        var (min, max) => $" in [{min}, {max}]",
                    };
                    Console.WriteLine($"  {p.Name} ({p.Type}{range}, default {p.Default}): {p.Description}");
                }
            }
            return 0;
        }, ct));
        stage.Add(kinds);
        return stage;
    }

    /// <summary>The worker the build launches: one stage from its spec.</summary>
    private static Task<int> RunStage(FileInfo file, CancellationToken ct) => CommandAction.Run(() =>
    {
        if (!file.Exists)
            throw new StageException("SOAR2001", $"stage spec {file.FullName} does not exist");
        var loaded = StageSpec.Load(file.FullName);
        var runner = new StageRunner { ToolVersion = ToolInfo.Version };
        // Opt-in shared run cache: $SOAR_RUN_CACHE names the feed (see RunCache).
        if (RunCache.FromEnvironment(Path.GetDirectoryName(loaded.ProjectPath) ?? Environment.CurrentDirectory) is { } cache) cache.Run(runner, loaded, new ConsoleStageLog(loaded.Name), ct);
        else runner.Run(loaded, new ConsoleStageLog(loaded.Name), ct);
        return 0;
    }, ct);
}
