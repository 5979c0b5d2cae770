using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Models.Lora;
using Soar.Core.Models.SD3;
using Soar.Core.Tests.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.Lora;

public sealed class LoraTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-lora-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void RandomiseAdapters(nn.Module root)
    {
        manual_seed(11);
        using var noGrad = no_grad();
        foreach (var (_, layer) in LoraAdapters.Adapted(root)) layer.LoraB!.weight.normal_(0, 0.05);
    }

    [Fact]
    public void The_adapter_adds_alpha_over_rank_times_B_A_x()
    {
        using var layer = new LoraLinear(2, 1);
        layer.AddAdapter(rank: 1, alpha: 4);
        using (no_grad())
        {
            layer.Weight.copy_(tensor(new float[] { 1f, 2f }).view(1, 2));
            layer.Bias!.copy_(tensor(new float[] { 0.5f }));
            layer.LoraA!.weight.copy_(tensor(new float[] { 3f, -1f }).view(1, 2));
            layer.LoraB!.weight.copy_(tensor(new float[] { 0.25f }).view(1, 1));
        }
        // x = (1, 1): W x + b = 3.5; A x = 2; (4 / 1) * 0.25 * 2 = 2.
        using var y = layer.forward(ones(1, 2));
        Assert.Equal(5.5f, y.item<float>(), 1e-6f);
        layer.AdapterEnabled = false;
        using var off = layer.forward(ones(1, 2));
        Assert.Equal(3.5f, off.item<float>(), 1e-6f);
        layer.AdapterEnabled = true;
        layer.Merge();
        Assert.False(layer.HasAdapter);
        using var merged = layer.forward(ones(1, 2));
        Assert.Equal(5.5f, merged.item<float>(), 1e-6f);
        // W + 4 * B A = (1 + 3, 2 - 1).
        Assert.Equal(new[] { 4f, 1f }, layer.Weight.data<float>().ToArray());
    }

    [Fact]
    public void A_fresh_adapter_has_zero_B_and_leaves_the_output_unchanged()
    {
        using var model = TinySD3.Model(TinySD3.Config("rms_norm", [0]));
        var inputs = TinySD3.Inputs();
        using var before = TinySD3.Run(model, inputs);
        var names = LoraAdapters.Inject(model, new LoraSettings());
        Assert.Equal(2 * 8 + 4 - 1, names.Count);   // 8 targets a block, attn2 adds 4, the last block has no to_add_out
        Assert.Contains("transformer_blocks.0.attn2.to_out.0", names);
        Assert.All(LoraAdapters.Adapted(model), l => Assert.Equal(0f, l.Layer.LoraB!.weight.abs().max().item<float>()));
        Assert.All(LoraAdapters.Adapted(model), l => Assert.True(l.Layer.LoraA!.weight.abs().max().item<float>() > 0));
        using var after = TinySD3.Run(model, inputs);
        Assert.True(before.equal(after).all().item<bool>());
    }

    [Fact]
    public void Merged_weights_give_the_unmerged_output_and_disabled_adapters_the_base_output()
    {
        using var model = TinySD3.Model(TinySD3.Config("rms_norm", [0]));
        var inputs = TinySD3.Inputs();
        using var @base = TinySD3.Run(model, inputs);
        LoraAdapters.Inject(model, new LoraSettings { Rank = 4, Alpha = 8 });
        RandomiseAdapters(model);
        using var adapted = TinySD3.Run(model, inputs);
        Assert.False(adapted.allclose(@base, atol: 1e-5));
        using (LoraAdapters.Disabled(model))
        {
            using var reference = TinySD3.Run(model, inputs);
            Assert.True(reference.allclose(@base, rtol: 0, atol: 0));
        }
        LoraAdapters.Merge(model);
        Assert.Empty(LoraAdapters.Adapted(model));
        using var merged = TinySD3.Run(model, inputs);
        Assert.True(merged.allclose(adapted, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Only_adapter_tensors_get_gradients()
    {
        using var model = TinySD3.Model(TinySD3.Config());
        LoraAdapters.Inject(model, new LoraSettings { Rank = 2, Alpha = 2 });
        RandomiseAdapters(model);
        LoraAdapters.FreezeAllButAdapters(model, model);
        model.train();
        var inputs = TinySD3.Inputs();
        using var sample = model.forward(inputs["hidden_states"], inputs["timestep"], inputs["encoder_hidden_states"], inputs["pooled_projections"]);
        sample.square().mean().backward();
        var adapter = LoraAdapters.Parameters(model).Select(p => p.Handle).ToHashSet();
        int withGrad = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            bool isAdapter = adapter.Contains(p.Handle);
            Assert.Equal(isAdapter, p.requires_grad);
            if (isAdapter) { Assert.NotNull(p.grad); withGrad++; }
            else Assert.True(p.grad is null, name);
        }
        Assert.Equal(2 * (2 * 8 - 1), withGrad);
    }

    [Fact]
    public void The_weights_file_has_diffusers_key_names_and_loads_into_a_fresh_model()
    {
        using var model = TinySD3.Model(TinySD3.Config("rms_norm", [0]));
        var settings = new LoraSettings { Rank = 4, Alpha = 8 };
        LoraAdapters.Inject(model, settings);
        RandomiseAdapters(model);
        var file = Path.Combine(_root, LoraFile.FileName);
        LoraFile.Save(file, model, settings);
        var header = SafeTensorsFile.ReadHeader(file);
        var names = header.Entries.Select(e => e.Name).ToList();
        Assert.Contains("transformer.transformer_blocks.0.attn.to_q.lora_A.weight", names);
        Assert.Contains("transformer.transformer_blocks.0.attn.to_out.0.lora_B.weight", names);
        Assert.Contains("transformer.transformer_blocks.1.attn.add_v_proj.lora_A.weight", names);
        Assert.DoesNotContain(names, n => !n.Contains(".lora_"));
        Assert.Equal(new long[] { 4, 16 }, header.Entries.Single(e => e.Name == "transformer.transformer_blocks.0.attn.to_q.lora_A.weight").Shape);
        Assert.Contains("\"transformer.lora_alpha\": 8", header.Metadata[LoraFile.MetadataKey]);
        Assert.Equal("pt", header.Metadata["format"]);

        using var fresh = TinySD3.Model(TinySD3.Config("rms_norm", [0]));
        var read = LoraFile.Load(file, fresh);
        Assert.Equal(4, read.Rank);
        Assert.Equal(8, read.Alpha);
        var inputs = TinySD3.Inputs();
        using var a = TinySD3.Run(model, inputs);
        using var b = TinySD3.Run(fresh, inputs);
        Assert.True(a.equal(b).all().item<bool>());
        // The base weights saved in the diffusers layout leave the adapters out.
        var dir = Path.Combine(_root, "transformer");
        DiffusersFolder.Save(dir, model);
        Assert.DoesNotContain(SafeTensorsFile.ReadHeader(Path.Combine(dir, DiffusersFolder.WeightsFile)).Entries, e => e.Name.Contains(".lora_"));
    }

    [Fact]
    public void A_file_for_another_base_is_refused_naming_the_tensors()
    {
        var file = Path.Combine(_root, "other.safetensors");
        SafeTensorsFile.Save(file, new Dictionary<string, Tensor>
        {
            ["transformer.transformer_blocks.0.attn.to_q.lora_A.weight"] = zeros(4, 99),
            ["transformer.transformer_blocks.0.attn.to_q.lora_B.weight"] = zeros(16, 4),
            ["transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight"] = zeros(4, 16),
        });
        using var model = TinySD3.Model(TinySD3.Config());
        var e = Assert.Throws<InvalidDataException>(() => LoraFile.Load(file, model));
        Assert.Contains("unexpected transformer.single_transformer_blocks.0.attn.to_q.lora_A.weight [4, 16]", e.Message);
        Assert.Contains("lora_A [4, 99]", e.Message);
        Assert.Empty(LoraAdapters.Adapted(model));
    }

    [Fact]
    public void Settings_parse_and_targets_match_as_peft_matches()
    {
        var s = LoraSettings.Parse("rank=8; alpha=16; targets=to_q,attn.to_out.0; init=gaussian");
        Assert.Equal((8, 16.0, 2.0, "gaussian"), (s.Rank, s.Alpha, s.Scaling, s.Init));
        Assert.True(s.Matches("transformer_blocks.3.attn.to_q"));
        Assert.True(s.Matches("transformer_blocks.3.attn.to_out.0"));
        Assert.False(s.Matches("transformer_blocks.3.attn2.to_out.0"));
        Assert.False(s.Matches("transformer_blocks.3.attn.add_q_proj"));
        Assert.Equal(LoraSettings.AttentionTargets, LoraSettings.Parse("").Targets);
        Assert.Equal((32, 64.0), (LoraSettings.Parse("").Rank, LoraSettings.Parse("").Alpha));
        Assert.Contains("rank 'x'", Assert.Throws<ArgumentException>(() => LoraSettings.Parse("rank=x")).Message);
        Assert.Contains("unknown key 'dropout'", Assert.Throws<ArgumentException>(() => LoraSettings.Parse("dropout=0.1")).Message);
        Assert.Equal(s, LoraSettings.Parse(s.ToString()) with { Targets = s.Targets });
    }

    [Fact]
    public void Gaussian_init_draws_A_with_standard_deviation_one_over_rank()
    {
        manual_seed(2);
        using var layer = new LoraLinear(512, 8);
        layer.AddAdapter(rank: 4, alpha: 4, gaussianInit: true);
        Assert.Equal(0.25, layer.LoraA!.weight.std().item<float>(), 0.01);
    }

    [Fact]
    public void Targets_that_name_no_adaptable_layer_are_an_error()
    {
        using var model = TinySD3.Model(TinySD3.Config());
        var e = Assert.Throws<ArgumentException>(() => LoraAdapters.Inject(model, new LoraSettings { Targets = ["qkv"] }));
        Assert.Contains("qkv", e.Message);
        Assert.Contains("to_q", e.Message);
        manual_seed(0);
        using var dit = ModelRegistry.Create(ModelRegistry.FromPreset("tiny", 16, 10, 6, 1.0));
        var d = Assert.Throws<ArgumentException>(() => LoraAdapters.Inject(dit, new LoraSettings()));
        Assert.Contains("adaptable layers end in: qkv, proj, fc1, fc2", d.Message);
    }

    [Fact]
    public void A_lora_linear_is_initialised_and_computes_as_torchs_linear()
    {
        // The project's own layers (SelfAttention, FeedForward) use it: a seed gives the weights torch's Linear gave.
        manual_seed(9);
        using var torchLinear = nn.Linear(5, 3);
        manual_seed(9);
        using var lora = new LoraLinear(5, 3);
        Assert.True(torchLinear.weight.equal(lora.Weight).all().item<bool>());
        Assert.True(torchLinear.bias!.equal(lora.Bias!).all().item<bool>());
        Assert.Equal(["weight", "bias"], lora.state_dict().Keys);
        using var x = randn(4, 5);
        using var a = torchLinear.forward(x);
        using var b = lora.forward(x);
        Assert.True(a.equal(b).all().item<bool>());
    }

    [Fact]
    public void The_dit_takes_adapters_on_its_attention_and_feed_forward_layers()
    {
        manual_seed(0);
        var config = ModelRegistry.FromPreset("tiny", 16, 10, 6, 1.0) with { Lora = "rank=2;alpha=2;targets=attn.qkv,attn.proj" };
        using var dit = ModelRegistry.Create(config);
        var adapted = LoraAdapters.Adapted(dit).Select(a => a.Name).ToList();
        Assert.Contains("blocks.0.attn.qkv", adapted);
        Assert.Contains("text_encoder.layers.0.attn.proj", adapted);
        Assert.Equal(2 * (4 + 1), adapted.Count);   // 4 DiT blocks and 1 text layer
        Assert.All(dit.named_parameters(), p => Assert.Equal(p.name.Contains(".lora_"), p.parameter.requires_grad));
    }

    [Fact]
    public void The_kl_reference_is_the_policy_with_adapters_off_and_owns_no_weights()
    {
        manual_seed(0);
        var config = ModelRegistry.FromPreset("sd3-tiny", 16, 10, 6, 1.0);
        using var policy = ModelRegistry.Create(config with { Lora = "rank=2;alpha=4" });
        using var plain = ModelRegistry.Create(config);
        // The same base weights in both; then the policy's adapters move away from zero.
        using (no_grad()) foreach (var (name, t) in plain.state_dict()) t.copy_(policy.state_dict()[name]);
        RandomiseAdapters(LoraAdapters.RootOf(policy));
        using var reference = new LoraReference(policy);
        Assert.Equal(0, reference.ParameterCount());
        Assert.All(reference.parameters(), p => Assert.False(p.requires_grad));
        using var x = randn(2, 3, 16, 16);
        using var s = tensor(new float[] { 0.3f, 0.8f });
        using var ids = tensor(new long[] { 1, 4, 5, 2, 0, 0, 1, 6, 2, 0, 0, 0 }).view(2, 6);
        using var noGrad = no_grad();
        using var vRef = reference.forward(x, s, ids);
        using var vBase = plain.forward(x, s, ids);
        using var vPolicy = policy.forward(x, s, ids);
        Assert.True(vRef.allclose(vBase, rtol: 0, atol: 0));
        Assert.False(vPolicy.allclose(vBase, atol: 1e-5));
        // The policy's adapters are on again after the reference ran.
        Assert.All(LoraAdapters.Adapted(LoraAdapters.RootOf(policy)), l => Assert.True(l.Layer.AdapterEnabled));
    }

    [Fact]
    public void The_sd3_model_names_adapters_relative_to_its_transformer()
    {
        manual_seed(0);
        using var model = ModelRegistry.Create(ModelRegistry.FromPreset("sd3-tiny", 32, 10, 6, 1.0));
        var root = LoraAdapters.RootOf(model);
        Assert.IsType<SD3Transformer2DModel>(root);
        var names = LoraAdapters.Inject(root, new LoraSettings { Rank = 2, Alpha = 2 });
        Assert.Contains("transformer_blocks.0.attn.to_q", names);
        // The whole model's state dict holds them under the wrapper's "transformer." prefix: the file's names.
        Assert.Contains("transformer.transformer_blocks.0.attn.to_q.lora_A.weight", model.state_dict().Keys);
    }
}
