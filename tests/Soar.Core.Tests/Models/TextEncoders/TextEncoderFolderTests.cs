using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Models.TextEncoders;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.TextEncoders;

/// <summary>config.json and model.safetensors of the CLIP and T5 encoders: every key, the errors, round trips under transformers' names.</summary>
public sealed class TextEncoderFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-text-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>The keys of stabilityai/stable-diffusion-3-medium-diffusers text_encoder/config.json (CLIP-L).</summary>
    private const string SD3ClipL = """
    {"_name_or_path": "openai/clip-vit-large-patch14", "architectures": ["CLIPTextModelWithProjection"], "attention_dropout": 0.0,
     "bos_token_id": 0, "dropout": 0.0, "eos_token_id": 2, "hidden_act": "quick_gelu", "hidden_size": 768, "initializer_factor": 1.0,
     "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-05, "max_position_embeddings": 77, "model_type": "clip_text_model",
     "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 1, "projection_dim": 768, "torch_dtype": "float16",
     "transformers_version": "4.41.0.dev0", "vocab_size": 49408}
    """;

    /// <summary>The keys of the same pipeline's text_encoder_3/config.json (T5 v1.1 XXL).</summary>
    private const string SD3T5 = """
    {"_name_or_path": "google/t5-v1_1-xxl", "architectures": ["T5EncoderModel"], "classifier_dropout": 0.0, "d_ff": 10240, "d_kv": 64,
     "d_model": 4096, "decoder_start_token_id": 0, "dense_act_fn": "gelu_new", "dropout_rate": 0.1, "eos_token_id": 1,
     "feed_forward_proj": "gated-gelu", "initializer_factor": 1.0, "is_encoder_decoder": true, "is_gated_act": true,
     "layer_norm_epsilon": 1e-06, "model_type": "t5", "num_decoder_layers": 24, "num_heads": 64, "num_layers": 24, "output_past": true,
     "pad_token_id": 0, "relative_attention_max_distance": 128, "relative_attention_num_buckets": 32, "tie_word_embeddings": false,
     "torch_dtype": "float16", "transformers_version": "4.41.0.dev0", "use_cache": true, "vocab_size": 32128}
    """;

    private static ClipTextConfig Clip(string json) => ClipTextConfig.FromJson(JsonNode.Parse(json)!.AsObject(), "config.json");
    private static T5Config T5(string json) => T5Config.FromJson(JsonNode.Parse(json)!.AsObject(), "config.json");

    [Fact]
    public void SD3_s_encoder_configs_read_every_key_and_absent_keys_take_transformers_defaults()
    {
        var l = Clip(SD3ClipL);
        Assert.Equal((768, 12, 12, 3072, 768, "quick_gelu", 2), (l.HiddenSize, l.NumHiddenLayers, l.NumAttentionHeads, l.IntermediateSize, l.ProjectionDim, l.HiddenAct, l.EosTokenId));
        Assert.Equal(123_650_304, l.ParameterCount());
        Assert.Equal(new ClipTextConfig(), Clip("{}"));
        Assert.Equal(l, Clip(l.ToJson()));

        var t5 = T5(SD3T5);
        Assert.Equal((4096, 64, 10240, 24, 64, true, "gelu_new"), (t5.DModel, t5.DKv, t5.DFf, t5.NumLayers, t5.NumHeads, t5.IsGatedAct, t5.DenseActFn));
        Assert.False(t5.TieWordEmbeddings);
        Assert.Equal(4_762_310_656, t5.ParameterCount());
        // transformers derives the activation from feed_forward_proj when config.json does not say it.
        var derived = T5("""{"feed_forward_proj": "gated-gelu"}""");
        Assert.Equal(("gelu_new", true), (derived.DenseActFn, derived.IsGatedAct));
        var relu = T5("{}");
        Assert.Equal(("relu", false), (relu.DenseActFn, relu.IsGatedAct));
        Assert.Equal(t5, T5(t5.ToJson()));
    }

    [Fact]
    public void Unknown_keys_and_unsupported_values_are_errors_that_name_them()
    {
        var e = Assert.Throws<InvalidDataException>(() => Clip("""{"hidden_size": 8, "num_hiden_layers": 2, "rope_theta": 1, "initializer_range": 0.02, "_commit_hash": "x"}"""));
        Assert.Contains("unknown CLIPTextModelWithProjection config keys \"num_hiden_layers\", \"rope_theta\"", e.Message);
        Assert.Contains("this tool reads vocab_size, hidden_size", e.Message);
        Assert.DoesNotContain("initializer_range\"", e.Message.Split(';')[0]);
        Assert.Contains("\"d_modle\"", Assert.Throws<InvalidDataException>(() => T5("""{"d_modle": 8}""")).Message);
        Assert.Contains("hidden_act \"swiglu\"", Assert.Throws<InvalidDataException>(() => Clip("""{"hidden_act": "swiglu"}""")).Message);
        Assert.Contains("num_attention_heads 3", Assert.Throws<InvalidDataException>(() => Clip("""{"hidden_size": 8, "num_attention_heads": 3}""")).Message);
        Assert.Contains("text_encoder/", Assert.Throws<InvalidDataException>(() => Clip("""{"text_config": {}, "vision_config": {}}""")).Message);
        Assert.Contains("feed_forward_proj \"gelu-gated\"", Assert.Throws<InvalidDataException>(() => T5("""{"feed_forward_proj": "gelu-gated"}""")).Message);
        Assert.Contains("\"d_model\" is \"big\"", Assert.Throws<InvalidDataException>(() => T5("""{"d_model": "big"}""")).Message);
        Assert.Contains("\"model_type\" is \"bert\"", Assert.Throws<InvalidDataException>(() => T5("""{"model_type": "bert"}""")).Message);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void Clip_saves_and_loads_under_transformers_names_in_the_chosen_dtype(ScalarType dtype)
    {
        using var model = TinyText.ClipModel(TinyText.Clip(), seed: 7);
        var dir = Path.Combine(_root, "text_encoder");
        ClipTextFolder.Save(dir, model, dtype);
        var header = SafeTensorsFile.ReadHeader(Path.Combine(dir, "model.safetensors"));
        var names = header.Entries.Select(e => e.Name).ToList();
        Assert.All(header.Entries, e => Assert.Equal(dtype, e.DType.ScalarType));
        foreach (var name in new[] { "text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight",
            "text_model.encoder.layers.1.self_attn.q_proj.weight", "text_model.encoder.layers.1.self_attn.out_proj.bias",
            "text_model.encoder.layers.0.layer_norm1.weight", "text_model.encoder.layers.0.mlp.fc2.weight", "text_model.encoder.layers.0.layer_norm2.bias",
            "text_model.final_layer_norm.weight", "text_projection.weight" })
            Assert.Contains(name, names);
        Assert.DoesNotContain("text_projection.bias", names);
        Assert.Equal(2 * 16 + 2 + 2 + 1, names.Count);   // 16 per layer, 2 embeddings, the final norm's 2, the projection
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        Assert.Equal("CLIPTextModelWithProjection", json["architectures"]![0]!.GetValue<string>());
        Assert.Equal(TransformersFolder.TorchDtype(dtype), json["torch_dtype"]!.GetValue<string>());

        using var loaded = ClipTextFolder.Load(dir);
        Assert.Equal(model.Config, loaded.Config);
        var expected = model.state_dict();
        foreach (var (name, t) in loaded.state_dict())
            Assert.True(t.equal(expected[name].to(dtype).to(ScalarType.Float32)).all().item<bool>(), name);
    }

    [Fact]
    public void Weights_that_do_not_fit_the_config_list_every_missing_and_mis_shaped_tensor()
    {
        using var model = TinyText.ClipModel(TinyText.Clip(), seed: 7);
        var dir = Path.Combine(_root, "clip");
        ClipTextFolder.Save(dir, model);
        File.WriteAllText(Path.Combine(dir, "config.json"), (TinyText.Clip() with { NumHiddenLayers = 3, ProjectionDim = 6 }).ToJson());
        var e = Assert.Throws<InvalidDataException>(() => ClipTextFolder.Load(dir));
        Assert.Contains("the weights do not match the CLIPTextModelWithProjection", e.Message);
        Assert.Contains("missing 16: text_model.encoder.layers.2.layer_norm1.bias [16]", e.Message);
        Assert.Contains("text_model.encoder.layers.2.self_attn.q_proj.weight [16, 16]", e.Message);
        Assert.Contains("mis-shaped 1: text_projection.weight is [8, 16], the model needs [6, 16]", e.Message);
        Assert.Contains("num_hidden_layers", e.Message);

        // Older transformers saved the position_ids buffer: it is not a weight and loads as if absent.
        var (tensors, _) = SafeTensorsFile.Load(Path.Combine(dir, "model.safetensors"));
        tensors[ClipTextFolder.PositionIdsBuffer] = arange(77, dtype: ScalarType.Int64).unsqueeze(0);
        tensors["logit_scale"] = tensor(2.0f);
        SafeTensorsFile.Save(Path.Combine(dir, "model.safetensors"), tensors);
        File.WriteAllText(Path.Combine(dir, "config.json"), TinyText.Clip().ToJson());
        var unexpected = Assert.Throws<InvalidDataException>(() => ClipTextFolder.Load(dir));
        Assert.Contains("unexpected 1: logit_scale []", unexpected.Message);
        Assert.DoesNotContain("position_ids", unexpected.Message);
    }

    [Fact]
    public void T5_saves_shared_once_loads_sharded_and_reads_embed_tokens_as_shared()
    {
        using var model = TinyText.T5Model(TinyText.T5(), seed: 8);
        var dir = Path.Combine(_root, "text_encoder_3");
        T5Folder.Save(dir, model, maxShardBytes: 20_000);
        Assert.True(File.Exists(Path.Combine(dir, "model.safetensors.index.json")));
        Assert.True(Directory.GetFiles(dir, "model-0000*-of-0000*.safetensors").Length >= 2);
        Assert.False(File.Exists(Path.Combine(dir, "model.safetensors")));
        using var loaded = T5Folder.Load(dir);
        using var ids = tensor(new long[] { 3, 4, 1 }, [1, 3]);
        using (var a = model.Forward(ids)) using (var b = loaded.Forward(ids)) Assert.True(a.equal(b).all().item<bool>());

        // A file naming the embedding encoder.embed_tokens.weight (or both names, equal) loads the same weights.
        var single = Path.Combine(_root, "embed");
        T5Folder.Save(single, model);
        var weights = Path.Combine(single, "model.safetensors");
        var (tensors, _) = SafeTensorsFile.Load(weights);
        Assert.Contains("shared.weight", tensors.Keys);
        Assert.DoesNotContain("encoder.embed_tokens.weight", tensors.Keys);
        tensors["encoder.embed_tokens.weight"] = tensors["shared.weight"].clone();
        SafeTensorsFile.Save(weights, tensors);
        using (var both = T5Folder.Load(single)) using (var c = both.Forward(ids)) using (var a = model.Forward(ids)) Assert.True(a.equal(c).all().item<bool>());
        tensors.Remove("shared.weight", out _);
        SafeTensorsFile.Save(weights, tensors);
        using (var renamed = T5Folder.Load(single)) using (var c = renamed.Forward(ids)) using (var a = model.Forward(ids)) Assert.True(a.equal(c).all().item<bool>());
        tensors["shared.weight"] = tensors["encoder.embed_tokens.weight"] + 1;
        SafeTensorsFile.Save(weights, tensors);
        Assert.Contains("differ", Assert.Throws<InvalidDataException>(() => T5Folder.Load(single)).Message);

        // The relu variant's weights under a gated config: wi is unexpected, wi_0 and wi_1 missing.
        using var relu = TinyText.T5Model(TinyText.T5("relu"), seed: 9);
        T5Folder.Save(single, relu);
        File.WriteAllText(Path.Combine(single, "config.json"), TinyText.T5("gated-gelu").ToJson());
        var e = Assert.Throws<InvalidDataException>(() => T5Folder.Load(single));
        Assert.Contains("encoder.block.0.layer.1.DenseReluDense.wi_0.weight [32, 16]", e.Message);
        Assert.Contains("unexpected 2: encoder.block.0.layer.1.DenseReluDense.wi.weight [32, 16]", e.Message);
    }
}
