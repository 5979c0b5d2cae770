using System.Globalization;
using System.Text.Json;
using Soar.Core.Stages;

namespace Soar.Core.Verification;

/// <summary>
/// Re-runs a finished stage from its recorded manifest (kind, resolved parameters, the same upstream folders) into
/// a temp folder and compares: upstream content hashes, parameters (against the ones the project declares now,
/// when given), output bytes (tensor by tensor for safetensors), metrics, and — with <c>steps</c> — only the loss
/// curve of a training stage's first steps.
/// </summary>
public sealed class StageVerifier(StageRunner runner)
{
    public double Tolerance { get; init; }

    public VerificationReport Verify(string stageDir, IReadOnlyDictionary<string, string>? declaredParameters, int? steps, IStageLog log, CancellationToken ct)
    {
        stageDir = Path.GetFullPath(stageDir);
        var manifestPath = Path.Combine(stageDir, ContentHash.ManifestFileName);
        if (!File.Exists(manifestPath))
            throw new StageException("SOAR2701", $"{stageDir} is not a finished stage folder (no {ContentHash.ManifestFileName}); build the project first");
        var recorded = StageManifest.Load(manifestPath);
        var report = new VerificationReport();
        var root = Path.GetDirectoryName(stageDir)!;

        var inputs = new List<StageInput>();
        foreach (var input in recorded.Inputs)
        {
            var dir = Path.Combine(root, input.Name);
            var upstream = Path.Combine(dir, ContentHash.ManifestFileName);
            // Hash the files themselves: an edited dataset byte must show even if its manifest was left alone.
            var now = File.Exists(upstream) ? ContentHash.OfFolder(dir) : null;
            if (now is null) report.Difference($"input '{input.Name}': {dir} has no finished stage any more");
            else if (now != input.ContentHash) report.Difference($"input '{input.Name}': its outputs changed since this stage ran (content {input.ContentHash[..12]} -> {now[..12]}); verify or rebuild '{input.Name}' first");
            else report.Ok($"input '{input.Name}' unchanged ({now[..12]})");
            inputs.Add(new StageInput { Name = input.Name, Kind = input.Kind, Dir = dir });
        }
        if (declaredParameters is not null) CompareParameters(recorded, declaredParameters, report);
        if (!report.Reproduced) return report;

        var parameters = new Dictionary<string, string>(recorded.Parameters, StringComparer.OrdinalIgnoreCase);
        bool partial = steps is not null;
        if (partial)
        {
            if (!parameters.ContainsKey("Steps"))
                throw new StageException("SOAR2702", $"--steps applies to training stages; '{recorded.Name}' is a {recorded.Kind} stage");
            parameters["Steps"] = steps!.Value.ToString(CultureInfo.InvariantCulture);
            parameters["CheckpointEvery"] = "0";
        }
        var temp = Path.Combine(root, $"{recorded.Name}.verify-{Guid.NewGuid().ToString("N")[..8]}");
        try
        {
            var rerun = runner.Run(new StageSpec
            {
                Name = recorded.Name, Kind = recorded.Kind, OutputDir = temp, Parameters = parameters, Inputs = inputs,
                Fingerprint = recorded.Fingerprint,
            }, log, ct);
            if (partial) CompareLossCurve(stageDir, temp, steps!.Value, report);
            else CompareOutputs(recorded, rerun, stageDir, temp, report);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
        return report;
    }

    private static void CompareParameters(StageManifest recorded, IReadOnlyDictionary<string, string> declared, VerificationReport report)
    {
        var kind = StageKindCatalog.Default.Get(recorded.Kind);
        foreach (var (name, info) in kind.Parameters)
        {
            var now = declared.FirstOrDefault(d => string.Equals(d.Key, name, StringComparison.OrdinalIgnoreCase)).Value ?? info.Default;
            var then = recorded.Parameters.TryGetValue(info.Name, out var v) ? v : info.Default;
            if (now != then) report.Difference($"parameter {info.Name}: the run recorded {then}, the project now says {now}");
        }
    }

    private void CompareOutputs(StageManifest recorded, StageManifest rerun, string stageDir, string temp, VerificationReport report)
    {
        if (rerun.ContentHash == recorded.ContentHash)
            report.Ok($"outputs reproduced byte for byte (content {recorded.ContentHash[..12]}, {recorded.Outputs.Count} files)");
        else
        {
            foreach (var path in recorded.Outputs.Keys.Union(rerun.Outputs.Keys).Where(p => !p.StartsWith("logs/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                recorded.Outputs.TryGetValue(path, out var a);
                rerun.Outputs.TryGetValue(path, out var b);
                if (a is null) { report.Difference($"{path}: new in the rerun"); continue; }
                if (b is null) { report.Difference($"{path}: not produced by the rerun"); continue; }
                if (a.Sha256 == b.Sha256) continue;
                var before = Path.Combine(stageDir, path);
                var after = Path.Combine(temp, path);
                var tensorDiffs = path.EndsWith(".safetensors", StringComparison.Ordinal) && File.Exists(before)
                    ? TensorDiff.Compare(before, after, Tolerance).ToList() : null;
                if (tensorDiffs is { Count: 0 }) { report.Ok($"{path}: bytes differ but every tensor is within {Tolerance:G4}"); continue; }
                report.Difference(tensorDiffs is null ? $"{path}: bytes differ (sha256 {a.Sha256[..12]} -> {b.Sha256[..12]})"
                    : $"{path}: " + string.Join("; ", tensorDiffs.Take(5)) + (tensorDiffs.Count > 5 ? $"; and {tensorDiffs.Count - 5} more tensors" : ""));
            }
        }
        foreach (var (name, value) in recorded.Metrics)
        {
            if (!rerun.Metrics.TryGetValue(name, out var again)) { report.Difference($"metric {name}: not reported by the rerun"); continue; }
            // Throughput and wall-clock metrics measure the machine, not the result.
            if (name.Contains("per_s", StringComparison.Ordinal) || name.EndsWith("_seconds", StringComparison.Ordinal)) continue;
            if (!(Math.Abs(value - again) <= Tolerance || (double.IsNaN(value) && double.IsNaN(again))))
                report.Difference($"metric {name}: {value:G6} -> {again:G6}");
        }
    }

    private void CompareLossCurve(string stageDir, string temp, int steps, VerificationReport report)
    {
        var before = ReadLosses(Path.Combine(stageDir, "logs", "metrics.jsonl"), steps);
        var after = ReadLosses(Path.Combine(temp, "logs", "metrics.jsonl"), steps);
        if (before.Count == 0) { report.Difference($"the recorded run logged no loss in its first {steps} steps (logs/metrics.jsonl); use --steps of at least its LogEvery"); return; }
        foreach (var (step, loss) in before)
        {
            if (!after.TryGetValue(step, out var again)) report.Difference($"step {step}: no loss logged by the rerun");
            else if (Math.Abs(loss - again) > Tolerance) report.Difference($"step {step}: loss {loss:R} -> {again:R}");
        }
        if (report.Reproduced) report.Ok($"loss curve of the first {steps} steps reproduced ({before.Count} logged points)");
    }

    private static SortedDictionary<long, double> ReadLosses(string path, int steps)
    {
        var result = new SortedDictionary<long, double>();
        if (!File.Exists(path)) return result;
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            long step = e.GetProperty("step").GetInt64();
            if (step <= steps && e.TryGetProperty("loss", out var loss) && loss.ValueKind == JsonValueKind.Number) result[step] = loss.GetDouble();
        }
        return result;
    }
}
