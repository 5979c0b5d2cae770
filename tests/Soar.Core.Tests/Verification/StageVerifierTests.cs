using Soar.Core.Stages;
using Soar.Core.Tests.Data;
using Soar.Core.Verification;

namespace Soar.Core.Tests.Verification;

public class StageVerifierTests : IDisposable
{
    private readonly TestDirectory _dir = new();
    private readonly StringWriter _log = new();
    private readonly StageRunner _runner = new();

    private string Run(string name, string kind, Dictionary<string, string> parameters, params string[] upstream)
    {
        _runner.Run(new StageSpec
        {
            Name = name, Kind = kind, OutputDir = _dir.File(name), Fingerprint = "f-" + name,
            Parameters = new Dictionary<string, string>(parameters, StringComparer.OrdinalIgnoreCase),
            Inputs = upstream.Select(u => new StageInput { Name = u, Kind = "upstream", Dir = _dir.File(u) }).ToList(),
        }, new ConsoleStageLog(name, _log), CancellationToken.None);
        return _dir.File(name);
    }

    private VerificationReport Verify(string stage, Dictionary<string, string>? declared = null, int? steps = null) =>
        new StageVerifier(_runner).Verify(_dir.File(stage), declared, steps, new ConsoleStageLog("verify", _log), CancellationToken.None);

    private static readonly Dictionary<string, string> Data = new() { ["Source"] = "shapes", ["Count"] = "40" };
    private static readonly Dictionary<string, string> Train = new() { ["Steps"] = "4", ["BatchSize"] = "8", ["LogEvery"] = "2" };

    [Fact]
    public void A_rerun_reproduces_curate_and_training_stages_bit_for_bit()
    {
        Run("data", "curate", Data);
        Run("base", "sft", Train, "data");
        Assert.True(Verify("data").Reproduced);
        var report = Verify("base");
        Assert.True(report.Reproduced, string.Join("\n", report.Differences));
        Assert.Contains(report.Checked, c => c.Contains("byte for byte"));
        var partial = Verify("base", steps: 2);
        Assert.True(partial.Reproduced, string.Join("\n", partial.Differences));
    }

    [Fact]
    public void A_changed_dataset_byte_is_named()
    {
        Run("data", "curate", Data);
        Run("base", "sft", Train, "data");
        var shard = Directory.GetFiles(_dir.File("data/data"), "train-*.parquet").First();
        var bytes = File.ReadAllBytes(shard);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(shard, bytes);
        var report = Verify("base");
        Assert.False(report.Reproduced);
        Assert.Contains(report.Differences, d => d.Contains("input 'data'") && d.Contains("changed"));
    }

    [Fact]
    public void A_changed_parameter_is_named_with_both_values()
    {
        Run("data", "curate", Data);
        var report = Verify("data", declared: new() { ["Source"] = "shapes", ["Count"] = "41" });
        Assert.False(report.Reproduced);
        Assert.Contains("parameter Count: the run recorded 40, the project now says 41", report.Differences);
    }

    [Fact]
    public void A_changed_result_names_the_tensor_and_its_max_abs_diff()
    {
        Run("data", "curate", Data);
        Run("base", "sft", Train, "data");
        // Stand-in for a changed code path: the recorded weights no longer match what the code produces.
        var weights = _dir.File("base/checkpoint/model.safetensors");
        var (tensors, metadata) = Soar.Core.Checkpoints.SafeTensorsFile.Load(weights);
        var name = tensors.Keys.Order(StringComparer.Ordinal).First();
        tensors[name] = tensors[name] + 0.5f;
        Soar.Core.Checkpoints.SafeTensorsFile.Save(weights, tensors, metadata);
        var manifest = StageManifest.Load(_dir.File("base/manifest.json"));
        var outputs = new SortedDictionary<string, ManifestOutput>(manifest.Outputs, StringComparer.Ordinal)
        {
            ["checkpoint/model.safetensors"] = new(ContentHash.OfFile(weights), new FileInfo(weights).Length),
        };
        new StageManifest
        {
            Name = manifest.Name, Kind = manifest.Kind, Fingerprint = manifest.Fingerprint, Parameters = manifest.Parameters,
            Inputs = manifest.Inputs, Outputs = outputs, ContentHash = ContentHash.Combine(outputs.Select(o => KeyValuePair.Create(o.Key, o.Value.Sha256))),
            Seeds = manifest.Seeds, Metrics = manifest.Metrics, Notes = manifest.Notes, Versions = manifest.Versions, Run = manifest.Run,
        }.Save(_dir.File("base/manifest.json"));

        var report = Verify("base");
        Assert.False(report.Reproduced);
        Assert.Contains(report.Differences, d => d.Contains("checkpoint/model.safetensors") && d.Contains($"tensor {name}: max abs diff 0.5"));
    }

    public void Dispose() => _dir.Dispose();
}
