using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.SD3;

public sealed class DiffusersFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-sd3-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(null, new int[0])]
    [InlineData("rms_norm", new[] { 0 })]
    public void A_saved_folder_loads_back_with_the_same_weights_and_outputs(string? qkNorm, int[] dual)
    {
        using var model = TinySD3.Model(TinySD3.Config(qkNorm, dual));
        var dir = Path.Combine(_root, "transformer");
        DiffusersFolder.Save(dir, model);
        Assert.True(File.Exists(Path.Combine(dir, DiffusersFolder.WeightsFile)));
        // Found through the pipeline folder as well as the transformer folder.
        using var loaded = DiffusersFolder.Load(_root);
        Assert.Equal(model.Config, loaded.Config);
        TinySD3.AssertSameState(model, loaded);
        var inputs = TinySD3.Inputs();
        using var a = TinySD3.Run(model, inputs);
        using var b = TinySD3.Run(loaded, inputs);
        Assert.True(a.equal(b).all().item<bool>());
        var names = SafeTensorsFile.ReadHeader(Path.Combine(dir, DiffusersFolder.WeightsFile)).Entries.Select(e => e.Name).ToList();
        Assert.Contains("transformer_blocks.0.attn.to_q.weight", names);
        Assert.Contains("pos_embed.pos_embed", names);
    }

    [Fact]
    public void Config_json_is_diffusers_with_sorted_keys_and_reads_back()
    {
        var config = TinySD3.Config("rms_norm", [0]);
        var json = JsonNode.Parse(config.ToDiffusersJson())!.AsObject();
        Assert.Equal("SD3Transformer2DModel", json["_class_name"]!.GetValue<string>());
        var keys = json.Select(kv => kv.Key).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal(SD3Config.DiffusersKeys.Order(), keys.Where(k => !k.StartsWith('_')).Order());
        Assert.Equal("rms_norm", json["qk_norm"]!.GetValue<string>());
        Assert.Equal(new[] { 0 }, json["dual_attention_layers"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal(config, SD3Config.FromDiffusersJson(json, "config.json"));
        // SD3.5-Medium's published config reads as written (keys absent from it take diffusers' defaults).
        var medium = JsonNode.Parse("""
        {"_class_name": "SD3Transformer2DModel", "_diffusers_version": "0.31.0.dev0", "attention_head_dim": 64, "caption_projection_dim": 1536,
         "dual_attention_layers": [0,1,2,3,4,5,6,7,8,9,10,11,12], "in_channels": 16, "joint_attention_dim": 4096, "num_attention_heads": 24,
         "num_layers": 24, "out_channels": 16, "patch_size": 2, "pooled_projection_dim": 2048, "pos_embed_max_size": 384, "qk_norm": "rms_norm", "sample_size": 128}
        """)!.AsObject();
        var m = SD3Config.FromDiffusersJson(medium, "sd3.5m/config.json");
        Assert.Equal(1536, m.InnerDim);
        Assert.Equal(13, m.DualAttentionLayers.Count);
        var sd3 = SD3Config.FromDiffusersJson(JsonNode.Parse("""{"num_layers": 24, "num_attention_heads": 24, "caption_projection_dim": 1536, "pos_embed_max_size": 192}""")!.AsObject(), "c");
        Assert.Null(sd3.QkNorm);
        Assert.Empty(sd3.DualAttentionLayers);
        Assert.Equal(16, sd3.InChannels);
    }

    [Theory]
    [InlineData("float16")]
    [InlineData("bfloat16")]
    public void Half_precision_weights_load_as_their_rounded_values(string dtypeName)
    {
        var dtype = dtypeName == "float16" ? ScalarType.Float16 : ScalarType.BFloat16;
        using var model = TinySD3.Model(TinySD3.Config("rms_norm", [0]));
        var dir = Path.Combine(_root, dtypeName);
        DiffusersFolder.Save(dir, model, dtype);
        Assert.All(SafeTensorsFile.ReadHeader(Path.Combine(dir, DiffusersFolder.WeightsFile)).Entries, e => Assert.Equal(dtype, e.DType.ScalarType));
        using var loaded = DiffusersFolder.Load(dir);
        foreach (var (name, t) in model.state_dict())
        {
            using var rounded = t.to(dtype).to(ScalarType.Float32);
            Assert.True(rounded.equal(loaded.state_dict()[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void A_sharded_folder_loads_and_its_index_names_every_tensor()
    {
        using var model = TinySD3.Model(TinySD3.Config("rms_norm", [0]));
        var dir = Path.Combine(_root, "sharded");
        DiffusersFolder.Save(dir, model, maxShardBytes: 40_000);
        var shards = Directory.GetFiles(dir, "diffusion_pytorch_model-*-of-*.safetensors");
        Assert.True(shards.Length > 2, $"{shards.Length} shards");
        Assert.False(File.Exists(Path.Combine(dir, DiffusersFolder.WeightsFile)));
        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, DiffusersFolder.IndexFile)))!;
        var map = index["weight_map"]!.AsObject();
        Assert.Equal(model.state_dict().Keys.Order(), map.Select(kv => kv.Key).Order());
        Assert.Equal(model.state_dict().Values.Sum(t => t.NumberOfElements * 4), index["metadata"]!["total_size"]!.GetValue<long>());
        Assert.All(map, kv => Assert.Matches($"^diffusion_pytorch_model-0000[1-9]-of-{shards.Length:D5}\\.safetensors$", kv.Value!.GetValue<string>()));
        using var loaded = DiffusersFolder.Load(dir);
        TinySD3.AssertSameState(model, loaded);
        // Saving again as one file removes the shards and the index.
        DiffusersFolder.Save(dir, model);
        Assert.Empty(Directory.GetFiles(dir, "diffusion_pytorch_model-*"));
        Assert.False(File.Exists(Path.Combine(dir, DiffusersFolder.IndexFile)));
    }

    [Fact]
    public void Missing_unexpected_and_mis_shaped_tensors_are_listed_with_their_shapes()
    {
        using var model = TinySD3.Model(TinySD3.Config());
        var dir = Path.Combine(_root, "broken");
        DiffusersFolder.Save(dir, model);
        var file = Path.Combine(dir, DiffusersFolder.WeightsFile);
        var (tensors, _) = SafeTensorsFile.Load(file);
        tensors.Remove("transformer_blocks.0.attn.to_k.bias");
        tensors["transformer_blocks.0.attn.extra.weight"] = zeros(3, 4);
        tensors["proj_out.weight"] = zeros(10, 16);
        SafeTensorsFile.Save(file, tensors);
        var e = Assert.Throws<InvalidDataException>(() => DiffusersFolder.Load(dir));
        Assert.Contains(file, e.Message);
        Assert.Contains("missing 1: transformer_blocks.0.attn.to_k.bias [16]", e.Message);
        Assert.Contains("unexpected 1: transformer_blocks.0.attn.extra.weight [3, 4]", e.Message);
        Assert.Contains("proj_out.weight is [10, 16], the model needs [64, 16]", e.Message);
    }

    [Fact]
    public void An_unknown_config_key_or_class_is_an_error_naming_it()
    {
        var json = JsonNode.Parse(TinySD3.Config().ToDiffusersJson())!.AsObject();
        json["use_fancy_rope"] = true;
        json["num_experts"] = 4;
        json["_name_or_path"] = "ignored";
        var e = Assert.Throws<InvalidDataException>(() => SD3Config.FromDiffusersJson(json, "t/config.json"));
        Assert.Contains("t/config.json", e.Message);
        Assert.Contains("\"use_fancy_rope\", \"num_experts\"", e.Message);
        json.Remove("use_fancy_rope");
        json.Remove("num_experts");
        json["_class_name"] = "FluxTransformer2DModel";
        Assert.Contains("FluxTransformer2DModel", Assert.Throws<InvalidDataException>(() => SD3Config.FromDiffusersJson(json, "c")).Message);
        json["_class_name"] = "SD3Transformer2DModel";
        json["qk_norm"] = "l2";
        Assert.Contains("qk_norm \"l2\"", Assert.Throws<InvalidDataException>(() => SD3Config.FromDiffusersJson(json, "c")).Message);
        json["qk_norm"] = null;
        json["num_layers"] = "two";
        Assert.Contains("\"num_layers\" is \"two\"", Assert.Throws<InvalidDataException>(() => SD3Config.FromDiffusersJson(json, "c")).Message);
        json["num_layers"] = 1_000_000_000;
        Assert.Contains("num_layers", Assert.Throws<InvalidDataException>(() => SD3Config.FromDiffusersJson(json, "c")).Message);
    }
}
