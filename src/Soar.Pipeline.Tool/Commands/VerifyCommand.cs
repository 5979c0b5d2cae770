using System.CommandLine;
using Soar.Core.Stages;
using Soar.Core.Verification;

namespace Soar.Pipeline.Tool.Commands;

/// <summary>
/// `soar verify <stage-dir>`: re-runs a finished stage from its manifest and says whether it reproduced
/// (exit 0) or what moved (exit 1): changed inputs or parameters, differing tensors with their max abs diff,
/// metrics that moved, or — with --steps — the first steps' loss curve.
/// </summary>
public static class VerifyCommand
{
    public const int NotReproduced = 1;

    public static Command Create()
    {
        var stageDir = new Argument<DirectoryInfo>("stage") { Description = "A finished stage folder, e.g. .soar/base (holds manifest.json)." };
        var steps = new Option<int?>("--steps") { Description = "Training stages: re-run only the first N steps and compare their logged losses." };
        var tolerance = new Option<double>("--tolerance") { Description = "Largest accepted absolute difference of tensors, losses and metrics (0 = bitwise; CPU runs reproduce bitwise).", DefaultValueFactory = _ => 0.0 };
        var parameters = new Option<string[]>("--param", "-p") { Description = "Name=Value as the project declares it now; a value that differs from the recorded run is reported." };

        var command = new Command("verify", "Re-run a finished stage from its recorded inputs and parameters and compare its outputs with the manifest.")
        {
            stageDir, steps, tolerance, parameters,
        };
        command.SetAction((parse, ct) => CommandAction.Run(() =>
        {
            var declared = ParseParameters(parse.GetValue(parameters));
            var verifier = new StageVerifier(new StageRunner { ToolVersion = ToolInfo.Version }) { Tolerance = parse.GetValue(tolerance) };
            var dir = parse.GetRequiredValue(stageDir);
            var report = verifier.Verify(dir.FullName, declared, parse.GetValue(steps), new ConsoleStageLog(dir.Name + " (verify)"), ct);
            foreach (var ok in report.Checked) Console.WriteLine($"  ok    {ok}");
            foreach (var diff in report.Differences) Console.WriteLine($"  DIFF  {diff}");
            if (report.Reproduced)
            {
                Console.WriteLine($"verify: stage '{dir.Name}' reproduced");
                return 0;
            }
            CommandAction.Error("SOAR2703", $"stage '{dir.Name}' did not reproduce: {report.Differences.Count} difference(s), listed above");
            return NotReproduced;
        }, ct));
        return command;
    }

    private static Dictionary<string, string>? ParseParameters(string[]? values)
    {
        if (values is null || values.Length == 0) return null;
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var v in values)
        {
            int eq = v.IndexOf('=');
            if (eq <= 0) throw new StageException("SOAR2704", $"--param '{v}' is not Name=Value");
            result[v[..eq]] = v[(eq + 1)..];
        }
        return result;
    }
}
