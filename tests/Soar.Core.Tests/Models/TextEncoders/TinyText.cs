using System.Text.Json.Nodes;
using Soar.Core.Models.TextEncoders;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.TextEncoders;

/// <summary>Tiny CLIP and T5 encoders with non-trivial norm weights, and the files of a tiny SD3 pipeline's text half.</summary>
internal static class TinyText
{
    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Models", "TextEncoders", "Fixtures", name);

    public static ClipTextConfig Clip(int hidden = 16, int layers = 2, string act = "quick_gelu", int projection = 8) => TinyTextEncoders.Clip with
    {
        HiddenSize = hidden, IntermediateSize = 2 * hidden, NumHiddenLayers = layers, NumAttentionHeads = 2, ProjectionDim = projection, HiddenAct = act,
    };

    public static T5Config T5(string ffn = "gated-gelu", int layers = 2, int width = 16) => TinyTextEncoders.T5 with
    {
        DModel = width, DKv = 4, DFf = 2 * width, NumLayers = layers, NumHeads = 2, FeedForwardProj = ffn,
    };

    /// <summary>Seeded, with norm weights (and biases) away from 1 (and 0), so a norm that skipped them would show.</summary>
    public static T Perturbed<T>(T model, int seed) where T : nn.Module
    {
        manual_seed(seed);
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.Contains("norm")) { if (name.EndsWith(".weight")) p.uniform_(0.5, 1.5); else p.uniform_(-0.5, 0.5); }
        return model;
    }

    public static ClipTextModelWithProjection ClipModel(ClipTextConfig config, int seed = 0)
    {
        manual_seed(seed);
        return Perturbed(new ClipTextModelWithProjection(config), seed + 100);
    }

    public static T5EncoderModel T5Model(T5Config config, int seed = 0)
    {
        manual_seed(seed);
        return Perturbed(new T5EncoderModel(config), seed + 100);
    }

    /// <summary>
    /// An SD3-shaped pipeline folder: text_encoder (CLIP-L, width 16, pad eos), text_encoder_2 (CLIP-G, width 24, gelu,
    /// pad "!"), optionally text_encoder_3 (T5, width 48) and a transformer config.json naming joint_attention_dim 48.
    /// </summary>
    public static string Pipeline(string root, bool withT5)
    {
        Directory.CreateDirectory(root);
        using (var l = ClipModel(Clip(16, 2, "quick_gelu", 8), 1)) ClipTextFolder.Save(Path.Combine(root, "text_encoder"), l);
        using (var g = ClipModel(Clip(24, 3, "gelu", 12), 2)) ClipTextFolder.Save(Path.Combine(root, "text_encoder_2"), g);
        TinyTextEncoders.WriteClipTokenizer(Path.Combine(root, "tokenizer"));
        TinyTextEncoders.WriteClipTokenizer(Path.Combine(root, "tokenizer_2"), padToken: "!");
        var index = new JsonObject
        {
            ["_class_name"] = "StableDiffusion3Pipeline",
            ["text_encoder"] = new JsonArray("transformers", "CLIPTextModelWithProjection"),
            ["text_encoder_2"] = new JsonArray("transformers", "CLIPTextModelWithProjection"),
            ["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer"),
            ["tokenizer_2"] = new JsonArray("transformers", "CLIPTokenizer"),
            ["text_encoder_3"] = withT5 ? new JsonArray("transformers", "T5EncoderModel") : new JsonArray(null, null),
            ["tokenizer_3"] = withT5 ? new JsonArray("transformers", "T5TokenizerFast") : new JsonArray(null, null),
            ["transformer"] = new JsonArray("diffusers", "SD3Transformer2DModel"),
        };
        if (withT5)
        {
            using var t5 = T5Model(T5("gated-gelu", 2, 48), 3);
            T5Folder.Save(Path.Combine(root, "text_encoder_3"), t5);
            TinyTextEncoders.WriteT5Tokenizer(Path.Combine(root, "tokenizer_3"));
        }
        File.WriteAllText(Path.Combine(root, "model_index.json"), index.ToJsonString());
        Directory.CreateDirectory(Path.Combine(root, "transformer"));
        File.WriteAllText(Path.Combine(root, "transformer", "config.json"), """
        {"_class_name": "SD3Transformer2DModel", "sample_size": 8, "patch_size": 2, "in_channels": 4, "out_channels": 4, "num_layers": 1,
         "attention_head_dim": 8, "num_attention_heads": 2, "joint_attention_dim": 48, "caption_projection_dim": 16, "pooled_projection_dim": 20,
         "pos_embed_max_size": 8}
        """);
        return root;
    }
}
