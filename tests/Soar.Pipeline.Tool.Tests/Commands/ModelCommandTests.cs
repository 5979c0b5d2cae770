using Soar.Core.Checkpoints;
using Soar.Core.Models.Lora;
using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Pipeline.Tool.Tests.Commands;

/// <summary>`soar model init / velocity / merge-lora` on a tiny SD3 config.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-model-cmd-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private const string TinyConfig = """
    {"_class_name": "SD3Transformer2DModel", "sample_size": 8, "patch_size": 2, "in_channels": 16, "out_channels": 16, "num_layers": 2,
     "attention_head_dim": 8, "num_attention_heads": 2, "joint_attention_dim": 32, "caption_projection_dim": 16, "pooled_projection_dim": 64,
     "pos_embed_max_size": 8, "dual_attention_layers": [0], "qk_norm": "rms_norm"}
    """;

    private static (int Exit, string Output, string Error) Soar(params string[] args) => ToolRun.Soar(args);

    private string Inputs()
    {
        manual_seed(4);
        var path = Path.Combine(_root, "in.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, Tensor>
        {
            ["hidden_states"] = randn(2, 16, 8, 8),
            ["timestep"] = tensor(new float[] { 1000f, 37.5f }),
            ["encoder_hidden_states"] = randn(2, 7, 32),
            ["pooled_projections"] = randn(2, 64),
        });
        return path;
    }

    private static Tensor Expected(SD3Transformer2DModel model, string inputs)
    {
        var (t, _) = SafeTensorsFile.Load(inputs);
        using var noGrad = no_grad();
        return model.forward(t["hidden_states"], t["timestep"], t["encoder_hidden_states"], t["pooled_projections"]);
    }

    [Fact]
    public void Init_writes_a_seeded_diffusers_folder_and_velocity_runs_it()
    {
        var config = Path.Combine(_root, "config.json");
        File.WriteAllText(config, TinyConfig);
        var (exit, output, error) = Soar("model", "init", "--architecture", "sd3", "--config", config, "--seed", "7", "--out", Path.Combine(_root, "a"));
        Assert.True(exit == 0, error);
        Assert.Contains("parameters", output);
        Assert.True(File.Exists(Path.Combine(_root, "a", "transformer", DiffusersFolder.ConfigFile)));
        Assert.True(File.Exists(Path.Combine(_root, "a", "transformer", DiffusersFolder.WeightsFile)));
        Assert.Equal(0, Soar("model", "init", "--architecture", "sd3", "--config", config, "--seed", "7", "--out", Path.Combine(_root, "b"), "--max-shard-mb", "0").Exit);
        var first = File.ReadAllBytes(Path.Combine(_root, "a", "transformer", DiffusersFolder.WeightsFile));
        Assert.Equal(first, File.ReadAllBytes(Path.Combine(_root, "b", "transformer", DiffusersFolder.WeightsFile)));

        var inputs = Inputs();
        var outPath = Path.Combine(_root, "out.safetensors");
        var run = Soar("model", "velocity", "--model", Path.Combine(_root, "a"), "--inputs", inputs, "--out", outPath);
        Assert.True(run.Exit == 0, run.Error);
        var (written, _) = SafeTensorsFile.Load(outPath);
        Assert.Equal(["sample"], written.Keys);
        using var model = DiffusersFolder.Load(Path.Combine(_root, "a"));
        using var expected = Expected(model, inputs);
        Assert.True(written["sample"].equal(expected).all().item<bool>());
    }

    [Fact]
    public void Merge_lora_folds_the_adapter_into_the_base_and_velocity_can_apply_it()
    {
        var config = Path.Combine(_root, "config.json");
        File.WriteAllText(config, TinyConfig);
        Assert.Equal(0, Soar("model", "init", "--architecture", "sd3", "--config", config, "--out", Path.Combine(_root, "base")).Exit);
        using var adapted = DiffusersFolder.Load(Path.Combine(_root, "base"));
        var settings = new LoraSettings { Rank = 2, Alpha = 4 };
        LoraAdapters.Inject(adapted, settings);
        using (no_grad()) foreach (var (_, layer) in LoraAdapters.Adapted(adapted)) layer.LoraB!.weight.normal_(0, 0.1);
        var lora = Path.Combine(_root, LoraFile.FileName);
        LoraFile.Save(lora, adapted, settings);
        var inputs = Inputs();
        using var expected = Expected(adapted, inputs);

        var merge = Soar("model", "merge-lora", "--model", Path.Combine(_root, "base"), "--lora", lora, "--out", Path.Combine(_root, "merged"));
        Assert.True(merge.Exit == 0, merge.Error);
        using var merged = DiffusersFolder.Load(Path.Combine(_root, "merged"));
        using var viaMerge = Expected(merged, inputs);
        Assert.True(viaMerge.allclose(expected, rtol: 1e-4, atol: 1e-5));

        var outPath = Path.Combine(_root, "lora-out.safetensors");
        Assert.Equal(0, Soar("model", "velocity", "--model", Path.Combine(_root, "base"), "--lora", lora, "--inputs", inputs, "--out", outPath).Exit);
        Assert.True(SafeTensorsFile.Load(outPath).Tensors["sample"].equal(expected).all().item<bool>());
    }

    [Fact]
    public void Export_writes_a_lora_trained_stage_as_a_diffusers_base_plus_adapters_or_merged()
    {
        Soar.Core.Stages.StageManifest Stage(string name, string kind, string[] upstream, params (string, string)[] parameters) =>
            new Soar.Core.Stages.StageRunner().Run(new Soar.Core.Stages.StageSpec
            {
                Name = name, Kind = kind, ProjectPath = Path.Combine(_root, "p.soarproj"), OutputDir = Path.Combine(_root, name),
                Parameters = parameters.ToDictionary(p => p.Item1, p => p.Item2, StringComparer.OrdinalIgnoreCase),
                Inputs = upstream.Select(u => new Soar.Core.Stages.StageInput { Name = u, Kind = "upstream", Dir = Path.Combine(_root, u) }).ToList(),
            }, new Soar.Core.Stages.ConsoleStageLog(name, TextWriter.Null), CancellationToken.None);
        Stage("data", "curate", [], ("Source", "shapes"), ("Count", "8"), ("ImageSize", "16"), ("ValidationFraction", "0.1"));
        Stage("base", "sft", ["data"], ("Preset", "sd3-tiny"), ("Steps", "1"), ("BatchSize", "4"), ("Threads", "1"), ("Device", "cpu"));
        Stage("tuned", "sft", ["data", "base"], ("Steps", "1"), ("BatchSize", "4"), ("Lora", "rank=2;alpha=4"), ("LearningRate", "0.05"), ("Threads", "1"), ("Device", "cpu"));

        var split = Soar("model", "export", "--model", Path.Combine(_root, "tuned"), "--out", Path.Combine(_root, "split"));
        Assert.True(split.Exit == 0, split.Error);
        var merged = Soar("model", "export", "--model", Path.Combine(_root, "tuned"), "--merge", "--out", Path.Combine(_root, "merged"));
        Assert.True(merged.Exit == 0, merged.Error);
        Assert.False(File.Exists(Path.Combine(_root, "merged", LoraFile.FileName)));
        using var withAdapters = DiffusersFolder.Load(Path.Combine(_root, "split"));
        LoraFile.Load(Path.Combine(_root, "split", LoraFile.FileName), withAdapters);
        using var folded = DiffusersFolder.Load(Path.Combine(_root, "merged"));
        var inputs = Inputs16();
        using var a = Expected(withAdapters, inputs);
        using var b = Expected(folded, inputs);
        Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5));
        // The stage's own adapter file is the same file.
        Assert.Equal(File.ReadAllBytes(Path.Combine(_root, "tuned", "lora", LoraFile.FileName)), File.ReadAllBytes(Path.Combine(_root, "split", LoraFile.FileName)));
    }

    /// <summary>Inputs for sd3-tiny: 3 x 16 x 16 pixels, 128-wide text.</summary>
    private string Inputs16()
    {
        manual_seed(5);
        var path = Path.Combine(_root, "in16.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, Tensor>
        {
            ["hidden_states"] = randn(1, 3, 16, 16), ["timestep"] = tensor(new float[] { 500f }),
            ["encoder_hidden_states"] = randn(1, 4, 128), ["pooled_projections"] = randn(1, 128),
        });
        return path;
    }

    [Fact]
    public void Bad_inputs_and_options_are_errors_that_name_them()
    {
        var config = Path.Combine(_root, "config.json");
        File.WriteAllText(config, TinyConfig.Replace("\"qk_norm\"", "\"rope\": 1, \"qk_norm\""));
        var unknown = Soar("model", "init", "--architecture", "sd3", "--config", config, "--out", Path.Combine(_root, "x"));
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("\"rope\"", unknown.Error);
        Assert.False(Directory.Exists(Path.Combine(_root, "x")));
        Assert.Contains("--architecture flux", Soar("model", "init", "--architecture", "flux", "--config", config, "--out", Path.Combine(_root, "y")).Error);

        File.WriteAllText(config, TinyConfig);
        Assert.Equal(0, Soar("model", "init", "--architecture", "sd3", "--config", config, "--out", Path.Combine(_root, "m")).Exit);
        var inputs = Path.Combine(_root, "partial.safetensors");
        SafeTensorsFile.Save(inputs, new Dictionary<string, Tensor> { ["hidden_states"] = zeros(1, 16, 8, 8), ["timestep"] = zeros(1) });
        var missing = Soar("model", "velocity", "--model", Path.Combine(_root, "m"), "--inputs", inputs, "--out", Path.Combine(_root, "o.safetensors"));
        Assert.Equal(1, missing.Exit);
        Assert.Contains("encoder_hidden_states, pooled_projections", missing.Error);
    }
}
