using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Models.Lora;
using Soar.Core.Stages;
using Soar.Core.Stages.Curate;
using Soar.Core.Stages.FlowGrpo;
using Soar.Core.Stages.Soar;
using Soar.Core.Tests.Stages;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.Lora;

/// <summary>The Lora stage parameter: sft, soar and flow-grpo train only adapters of an sd3-tiny base.</summary>
public sealed class LoraStageTests : IDisposable
{
    private readonly StageHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static readonly (string, string)[] Cpu = [("Threads", "1"), ("Device", "cpu")];

    private void Base()
    {
        var p = StageHarness.Params;
        _h.Run(new CurateStage(), "data", p(("Source", "shapes"), ("Count", "16"), ("ImageSize", "16"), ("ValidationFraction", "0.1")));
        _h.Sft("base", p([.. Cpu, ("Preset", "sd3-tiny"), ("Steps", "1"), ("BatchSize", "4")]), "data");
    }

    /// <summary>Names of the tensors that differ between two checkpoints' model.safetensors (adapters of the second left out).</summary>
    private List<string> Changed(string baseStage, string stage)
    {
        var (a, _) = SafeTensorsFile.Load(_h.Dir.File($"{baseStage}/checkpoint/model.safetensors"));
        var (b, _) = SafeTensorsFile.Load(_h.Dir.File($"{stage}/checkpoint/model.safetensors"));
        return a.Where(kv => !kv.Value.equal(b[kv.Key]).all().item<bool>()).Select(kv => kv.Key).ToList();
    }

    [Fact]
    public void Sft_soar_and_flow_grpo_train_only_the_adapters_and_write_them_in_diffusers_format()
    {
        Base();
        var p = StageHarness.Params;
        const string lora = "rank=4;alpha=8";
        _h.Sft("sft-lora", p([.. Cpu, ("Steps", "2"), ("BatchSize", "4"), ("Lora", lora), ("EmaDecay", "0.9"), ("LearningRate", "1e-2")]), "data", "base");
        Assert.Empty(Changed("base", "sft-lora"));
        var file = _h.Dir.File("sft-lora/lora/" + LoraFile.FileName);
        var names = SafeTensorsFile.ReadHeader(file).Entries.Select(e => e.Name).ToList();
        Assert.Contains("transformer.transformer_blocks.0.attn.to_q.lora_A.weight", names);
        using (var loaded = TrainedModel.Load(_h.Dir.File("sft-lora"), CPU, useEma: true))
        {
            Assert.Equal("rank=4;alpha=8;targets=to_q,to_k,to_v,to_out.0,add_q_proj,add_k_proj,add_v_proj,to_add_out;init=kaiming", loaded.Network.Config.Lora);
            var adapters = LoraAdapters.Adapted(LoraAdapters.RootOf(loaded.Network)).ToList();
            Assert.Equal(4 * 8 + 4 - 1, adapters.Count);
            Assert.Contains(adapters, a => a.Layer.LoraB!.weight.abs().max().item<float>() > 0);
        }

        // soar on the LoRA model keeps training the same adapters' structure; its base stays the sft base.
        _h.Run(new SoarStage(), "soar-lora", p([.. Cpu, ("Steps", "1"), ("BatchSize", "4"), ("TrajectoryLength", "1"), ("NumSamplingSteps", "4"), ("Lora", lora)]), "data", "sft-lora");
        // flow-grpo with adapters: the merged soar-lora model is its base, the KL reference is the policy with adapters off.
        _h.Run(new FlowGrpoStage(), "rl-lora", p([.. Cpu, ("Steps", "1"), ("PromptsPerStep", "2"), ("GroupSize", "2"), ("SdeSteps", "2"), ("Reward", "red"), ("Lora", lora), ("EmaDecay", "0.9")]), "soar-lora");
        Assert.True(File.Exists(_h.Dir.File("rl-lora/lora/" + LoraFile.FileName)));
        using var rl = TrainedModel.Load(_h.Dir.File("rl-lora"), CPU);
        using var soar = TrainedModel.Load(_h.Dir.File("soar-lora"), CPU);
        // The policy's base weights are soar-lora's merged weights, untouched by RL.
        LoraAdapters.Merge(LoraAdapters.RootOf(soar.Network));
        var merged = soar.Network.state_dict();
        foreach (var (name, t) in rl.Network.state_dict())
            if (!name.Contains(".lora_")) Assert.True(t.equal(merged[name]).all().item<bool>(), name);
        _h.Sample("samples", p(("Count", "2"), ("Steps", "2"), ("Device", "cpu")), "rl-lora");
    }

    [Fact]
    public void A_lora_sft_run_resumes_bit_identically()
    {
        Base();
        var p = StageHarness.Params;
        (string, string)[] common = [.. Cpu, ("BatchSize", "4"), ("Lora", "rank=2;alpha=2"), ("EmaDecay", "0.9"), ("Seed", "3")];
        _h.Sft("full", p([.. common, ("Steps", "2")]), "data", "base");
        _h.Sft("half", p([.. common, ("Steps", "1")]), "data", "base");
        _h.Sft("resumed", p([.. common, ("Steps", "2"), ("ResumeFrom", _h.Dir.File("half"))]), "data", "base");
        foreach (var f in new[] { "model.safetensors", "ema.safetensors", "optimizer.safetensors" })
        {
            var (a, _) = SafeTensorsFile.Load(_h.Dir.File($"full/checkpoint/{f}"));
            var (b, _) = SafeTensorsFile.Load(_h.Dir.File($"resumed/checkpoint/{f}"));
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            Assert.Empty(a.Where(kv => !kv.Value.equal(b[kv.Key]).all().item<bool>()).Select(kv => $"{f}: {kv.Key}"));
            Assert.Equal(File.ReadAllBytes(_h.Dir.File($"full/checkpoint/{f}")), File.ReadAllBytes(_h.Dir.File($"resumed/checkpoint/{f}")));
        }
        // The optimizer holds state for the adapters only.
        Assert.All(SafeTensorsFile.ReadHeader(_h.Dir.File("full/checkpoint/optimizer.safetensors")).Entries, e => Assert.Contains(".lora_", e.Name));
    }

    [Fact]
    public void Lora_targets_the_dit_by_its_own_layer_names_and_a_bad_value_is_SOAR2109()
    {
        var p = StageHarness.Params;
        _h.Run(new CurateStage(), "data", p(("Source", "shapes"), ("Count", "8"), ("ImageSize", "16"), ("ValidationFraction", "0.1")));
        // The dit has no layers under the sd3 default target names; it takes adapters on attn.qkv, attn.proj, mlp.fc1, mlp.fc2.
        var dit = Assert.Throws<StageException>(() => _h.Sft("dit", p([.. Cpu, ("Preset", "tiny"), ("Steps", "1"), ("BatchSize", "4"), ("Lora", "rank=4")]), "data"));
        Assert.Equal("SOAR2109", dit.Code);
        Assert.Contains("adaptable layers end in: qkv, proj, fc1, fc2", dit.Message);
        _h.Sft("dit-lora", p([.. Cpu, ("Preset", "tiny"), ("Steps", "1"), ("BatchSize", "4"), ("Lora", "rank=4;targets=attn.qkv,mlp.fc2")]), "data");
        Assert.Contains("transformer.blocks.0.attn.qkv.lora_A.weight", SafeTensorsFile.ReadHeader(_h.Dir.File("dit-lora/lora/" + LoraFile.FileName)).Entries.Select(e => e.Name));
        var bad = Assert.Throws<StageException>(() => _h.Sft("bad", p([.. Cpu, ("Preset", "sd3-tiny"), ("Steps", "1"), ("Lora", "rank=-1")]), "data"));
        Assert.Equal("SOAR2109", bad.Code);
        Assert.True(bad.Message.Contains("Lora=\"rank=-1\""), bad.Message);
    }
}
