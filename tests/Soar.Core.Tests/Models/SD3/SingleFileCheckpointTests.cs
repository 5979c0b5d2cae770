using Soar.Core.Checkpoints;
using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.SD3;

public sealed class SingleFileCheckpointTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-sd3-single-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>
    /// The original MMDiT names of a diffusers state dict, written out by hand: fused qkv, attn.proj, adaLN_modulation.1
    /// with (shift, scale) in the final layer and the last context block, mlp.fc1/fc2, ln_q/ln_k.
    /// </summary>
    private static Dictionary<string, Tensor> Original(Dictionary<string, Tensor> d, int layers)
    {
        Tensor ShiftScale(Tensor t) { var h = t.chunk(2, 0); return cat([h[1], h[0]], 0); }
        var o = new Dictionary<string, Tensor>
        {
            ["pos_embed"] = d["pos_embed.pos_embed"],
        };
        foreach (var s in new[] { "weight", "bias" })
        {
            o[$"x_embedder.proj.{s}"] = d[$"pos_embed.proj.{s}"];
            o[$"t_embedder.mlp.0.{s}"] = d[$"time_text_embed.timestep_embedder.linear_1.{s}"];
            o[$"t_embedder.mlp.2.{s}"] = d[$"time_text_embed.timestep_embedder.linear_2.{s}"];
            o[$"y_embedder.mlp.0.{s}"] = d[$"time_text_embed.text_embedder.linear_1.{s}"];
            o[$"y_embedder.mlp.2.{s}"] = d[$"time_text_embed.text_embedder.linear_2.{s}"];
            o[$"context_embedder.{s}"] = d[$"context_embedder.{s}"];
            o[$"final_layer.linear.{s}"] = d[$"proj_out.{s}"];
            o[$"final_layer.adaLN_modulation.1.{s}"] = ShiftScale(d[$"norm_out.linear.{s}"]);
            for (int i = 0; i < layers; i++)
            {
                string b = $"transformer_blocks.{i}", x = $"joint_blocks.{i}.x_block", c = $"joint_blocks.{i}.context_block";
                bool last = i == layers - 1;
                o[$"{x}.attn.qkv.{s}"] = cat([d[$"{b}.attn.to_q.{s}"], d[$"{b}.attn.to_k.{s}"], d[$"{b}.attn.to_v.{s}"]], 0);
                o[$"{c}.attn.qkv.{s}"] = cat([d[$"{b}.attn.add_q_proj.{s}"], d[$"{b}.attn.add_k_proj.{s}"], d[$"{b}.attn.add_v_proj.{s}"]], 0);
                o[$"{x}.attn.proj.{s}"] = d[$"{b}.attn.to_out.0.{s}"];
                o[$"{x}.adaLN_modulation.1.{s}"] = d[$"{b}.norm1.linear.{s}"];
                o[$"{x}.mlp.fc1.{s}"] = d[$"{b}.ff.net.0.proj.{s}"];
                o[$"{x}.mlp.fc2.{s}"] = d[$"{b}.ff.net.2.{s}"];
                o[$"{c}.adaLN_modulation.1.{s}"] = last ? ShiftScale(d[$"{b}.norm1_context.linear.{s}"]) : d[$"{b}.norm1_context.linear.{s}"];
                if (!last)
                {
                    o[$"{c}.attn.proj.{s}"] = d[$"{b}.attn.to_add_out.{s}"];
                    o[$"{c}.mlp.fc1.{s}"] = d[$"{b}.ff_context.net.0.proj.{s}"];
                    o[$"{c}.mlp.fc2.{s}"] = d[$"{b}.ff_context.net.2.{s}"];
                }
                if (d.ContainsKey($"{b}.attn2.to_q.{s}"))
                {
                    o[$"{x}.attn2.qkv.{s}"] = cat([d[$"{b}.attn2.to_q.{s}"], d[$"{b}.attn2.to_k.{s}"], d[$"{b}.attn2.to_v.{s}"]], 0);
                    o[$"{x}.attn2.proj.{s}"] = d[$"{b}.attn2.to_out.0.{s}"];
                }
            }
        }
        for (int i = 0; i < layers; i++)
        {
            string b = $"transformer_blocks.{i}", x = $"joint_blocks.{i}.x_block", c = $"joint_blocks.{i}.context_block";
            if (!d.ContainsKey($"{b}.attn.norm_q.weight")) continue;
            o[$"{x}.attn.ln_q.weight"] = d[$"{b}.attn.norm_q.weight"];
            o[$"{x}.attn.ln_k.weight"] = d[$"{b}.attn.norm_k.weight"];
            o[$"{c}.attn.ln_q.weight"] = d[$"{b}.attn.norm_added_q.weight"];
            o[$"{c}.attn.ln_k.weight"] = d[$"{b}.attn.norm_added_k.weight"];
            if (d.ContainsKey($"{b}.attn2.norm_q.weight"))
            {
                o[$"{x}.attn2.ln_q.weight"] = d[$"{b}.attn2.norm_q.weight"];
                o[$"{x}.attn2.ln_k.weight"] = d[$"{b}.attn2.norm_k.weight"];
            }
        }
        return o;
    }

    private static Dictionary<string, Tensor> RandomisedState(SD3Transformer2DModel model)
    {
        // Non-trivial qk-norm weights, so a swapped or dropped norm would show.
        using (no_grad()) foreach (var (name, p) in model.named_parameters()) if (name.Contains("norm_")) p.uniform_(0.5, 1.5);
        return model.state_dict();
    }

    [Theory]
    [InlineData(null, new int[0])]
    [InlineData("rms_norm", new[] { 0 })]
    public void The_key_map_turns_original_names_into_diffusers_names(string? qkNorm, int[] dual)
    {
        var config = TinySD3.Config(qkNorm, dual);
        using var model = TinySD3.Model(config);
        var diffusers = RandomisedState(model);
        var mapped = SingleFileCheckpoint.ToDiffusers(Original(diffusers, 2), 2, "test");
        Assert.Equal(diffusers.Keys.Order(), mapped.Keys.Order());
        foreach (var (name, t) in diffusers) Assert.True(t.equal(mapped[name]).all().item<bool>(), name);
        var inferred = SingleFileCheckpoint.InferConfig(Original(diffusers, 2), "test", attentionHeadDim: 8, sampleSize: 8);
        Assert.Equal(config, inferred);
    }

    [Fact]
    public void A_single_file_with_the_prefix_and_other_components_loads_the_transformer()
    {
        var config = TinySD3.Config("rms_norm", [0]);
        using var model = TinySD3.Model(config);
        var file = Path.Combine(_root, "sd3_tiny.safetensors");
        var entries = Original(RandomisedState(model), 2).ToDictionary(kv => SingleFileCheckpoint.Prefix + kv.Key, kv => kv.Value);
        entries["text_encoders.clip_l.transformer.text_model.final_layer_norm.weight"] = ones(4);
        entries["first_stage_model.decoder.conv_in.weight"] = ones(2, 2);
        SafeTensorsFile.Save(file, entries);
        using var loaded = SingleFileCheckpoint.Load(file, config);
        TinySD3.AssertSameState(model, loaded);
        var inputs = TinySD3.Inputs();
        using var a = TinySD3.Run(model, inputs);
        using var b = TinySD3.Run(loaded, inputs);
        Assert.True(a.equal(b).all().item<bool>());
    }

    [Fact]
    public void A_missing_or_left_over_original_tensor_is_named()
    {
        using var model = TinySD3.Model(TinySD3.Config());
        var original = Original(model.state_dict(), 2);
        original.Remove("joint_blocks.0.context_block.mlp.fc2.bias");
        var e = Assert.Throws<InvalidDataException>(() => SingleFileCheckpoint.ToDiffusers(original, 2, "sd3.safetensors"));
        Assert.Contains("sd3.safetensors", e.Message);
        Assert.Contains("joint_blocks.0.context_block.mlp.fc2.bias", e.Message);
        var extra = Original(model.state_dict(), 2);
        extra["joint_blocks.1.context_block.attn.proj.weight"] = zeros(16, 16);
        var mapped = SingleFileCheckpoint.ToDiffusers(extra, 2, "sd3.safetensors");
        using var fresh = TinySD3.Model(TinySD3.Config());
        var u = Assert.Throws<InvalidDataException>(() => SD3Weights.CopyInto(fresh, mapped, "sd3.safetensors"));
        Assert.Contains("unexpected 1: joint_blocks.1.context_block.attn.proj.weight [16, 16]", u.Message);
    }
}
