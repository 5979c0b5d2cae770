using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Models.TextEncoders;
using static TorchSharp.torch;

namespace Soar.Pipeline.Tool.Tests.Commands;

/// <summary>`soar model init --architecture clip|t5` and `soar model encode-text` on tiny encoders and a tiny SD3 pipeline.</summary>
public sealed class TextModelCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-text-cmd-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (int Exit, string Output, string Error) Soar(params string[] args) => ToolRun.Soar(args);

    private string Init(string architecture, string name, int seed = 3, params string[] extra)
    {
        var dir = Path.Combine(_root, name);
        var (exit, output, error) = Soar(["model", "init", "--architecture", architecture, "--seed", seed.ToString(), "--out", dir, .. extra]);
        Assert.True(exit == 0, error);
        Assert.Contains("parameters", output);
        return dir;
    }

    private static long[][] Ids(JsonNode node) => node.AsArray().Select(r => r!.AsArray().Select(i => (long)i!.GetValue<int>()).ToArray()).ToArray();

    [Fact]
    public void Init_writes_seeded_encoders_with_their_tokenizers_in_the_transformers_layout()
    {
        var clip = Init("clip", "clip");
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" })
            Assert.True(File.Exists(Path.Combine(clip, file)), file);
        Assert.Equal(File.ReadAllBytes(Path.Combine(clip, "model.safetensors")), File.ReadAllBytes(Path.Combine(Init("clip", "clip-again"), "model.safetensors")));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(clip, "model.safetensors")), File.ReadAllBytes(Path.Combine(Init("clip", "clip-other", seed: 4), "model.safetensors")));
        using (var model = ClipTextFolder.Load(clip)) Assert.Equal(TinyTextEncoders.Clip, model.Config);
        Assert.Equal(0, ClipTokenizer.Load(Init("clip", "clip-g", 3, "--pad-token", "!")).PadId);

        var t5 = Init("t5", "t5", 3, "--dtype", "bf16");
        Assert.True(File.Exists(Path.Combine(t5, "spiece.model")));
        Assert.All(SafeTensorsFile.ReadHeader(Path.Combine(t5, "model.safetensors")).Entries, e => Assert.Equal(ScalarType.BFloat16, e.DType.ScalarType));
        using (var model = T5Folder.Load(t5)) Assert.Equal(TinyTextEncoders.T5, model.Config);

        var bad = Path.Combine(_root, "bad.json");
        File.WriteAllText(bad, """{"model_type": "t5", "d_model": 16, "num_layayers": 2}""");
        var refused = Soar("model", "init", "--architecture", "t5", "--config", bad, "--out", Path.Combine(_root, "d"));
        Assert.Equal(1, refused.Exit);
        Assert.Contains("\"num_layayers\"", refused.Error);
        Assert.False(Directory.Exists(Path.Combine(_root, "d")));
        Assert.Contains("--config", Soar("model", "init", "--architecture", "vae", "--out", Path.Combine(_root, "e")).Error);
    }

    [Fact]
    public void Encode_text_on_an_encoder_folder_writes_what_the_module_computes_and_the_ids()
    {
        var t5 = Init("t5", "t5");
        var outPath = Path.Combine(_root, "t5.safetensors");
        var run = Soar("model", "encode-text", "--model", t5, "--prompt", "a red circle", "--prompt", "two stars", "--max-length", "12", "--out", outPath);
        Assert.True(run.Exit == 0, run.Error);
        var written = SafeTensorsFile.Load(outPath).Tensors;
        Assert.Equal(["last_hidden_state"], written.Keys);
        Assert.Equal(new long[] { 2, 12, 64 }, written["last_hidden_state"].shape);
        var tokens = JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "t5.tokens.json")))!;
        var ids = Ids(tokens["input_ids"]!);
        Assert.Equal(T5Tokenizer.Load(t5).Encode("a red circle", 12).Ids.Select(i => (long)i), ids[0]);
        Assert.Equal(0L, ids[1][^1]);
        using (var model = T5Folder.Load(t5)) using (no_grad())
            Assert.True(written["last_hidden_state"].allclose(model.Forward(tensor(ids.SelectMany(r => r).ToArray(), [2, 12])), rtol: 1e-5, atol: 1e-6));

        var clip = Init("clip", "clip");
        var clipOut = Path.Combine(_root, "clip.safetensors");
        Assert.Equal(0, Soar("model", "encode-text", "--model", clip, "--prompt", "a red circle", "--out", clipOut).Exit);
        var c = SafeTensorsFile.Load(clipOut).Tensors;
        Assert.Equal(["hidden_states.0", "hidden_states.1", "hidden_states.2", "last_hidden_state", "pooler_output", "text_embeds"], c.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new long[] { 1, 77, 32 }, c["hidden_states.1"].shape);
        var clipIds = Ids(JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "clip.tokens.json")))!["input_ids"]!);
        Assert.Equal([512L, 64 + 256, 513], clipIds[0][..2].Append(clipIds[0][^1]));

        Assert.Contains(".safetensors", Soar("model", "encode-text", "--model", clip, "--prompt", "x", "--out", Path.Combine(_root, "x.npy")).Error);
        Assert.Contains("pipeline", Soar("model", "encode-text", "--model", clip, "--prompt", "x", "--negative-prompt", "", "--out", clipOut).Error);
    }

    [Fact]
    public void Encode_text_on_a_pipeline_writes_sd3_s_conditioning_its_parts_and_the_guidance_input()
    {
        var pipe = Path.Combine(_root, "pipe");
        Directory.CreateDirectory(pipe);
        void Place(string from, params string[] names) { foreach (var name in names) CopyDir(from, Path.Combine(pipe, name)); }
        Place(Init("clip", "l", 1), "text_encoder", "tokenizer");
        Place(Init("clip", "g", 2, "--pad-token", "!"), "text_encoder_2", "tokenizer_2");
        Place(Init("t5", "t5", 3), "text_encoder_3", "tokenizer_3");
        File.WriteAllText(Path.Combine(pipe, "model_index.json"), """
        {"_class_name": "StableDiffusion3Pipeline", "text_encoder": ["transformers", "CLIPTextModelWithProjection"],
         "text_encoder_2": ["transformers", "CLIPTextModelWithProjection"], "text_encoder_3": ["transformers", "T5EncoderModel"],
         "tokenizer": ["transformers", "CLIPTokenizer"], "tokenizer_2": ["transformers", "CLIPTokenizer"], "tokenizer_3": ["transformers", "T5TokenizerFast"]}
        """);
        var outPath = Path.Combine(_root, "sd3.safetensors");
        var run = Soar("model", "encode-text", "--model", pipe, "--prompt", "a red circle", "--max-length", "10", "--negative-prompt", "", "--out", outPath);
        Assert.True(run.Exit == 0, run.Error);
        var t = SafeTensorsFile.Load(outPath).Tensors;
        Assert.Equal(new long[] { 1, 77 + 10, 64 }, t["encoder_hidden_states"].shape);
        Assert.Equal(new long[] { 1, 64 }, t["pooled_projections"].shape);
        Assert.Equal(new long[] { 1, 77, 32 }, t["text_encoder_2.prompt_embeds"].shape);
        Assert.Equal(new long[] { 1, 10, 64 }, t["text_encoder_3.prompt_embeds"].shape);
        Assert.Equal(new long[] { 1, 77 + 10, 64 }, t["negative_encoder_hidden_states"].shape);
        Assert.True(t["encoder_hidden_states"][.., ..77, ..32].equal(t["text_encoder.prompt_embeds"]).all().item<bool>());
        Assert.True(t["encoder_hidden_states"][.., 77..].equal(t["text_encoder_3.prompt_embeds"]).all().item<bool>());
        Assert.True(t["pooled_projections"][.., 32..].equal(t["text_encoder_2.pooled_prompt_embeds"]).all().item<bool>());

        var tokens = JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "sd3.tokens.json")))!;
        Assert.Equal(513L, Ids(tokens["input_ids"]!["text_encoder"]!)[0][^1]);
        Assert.Equal(0L, Ids(tokens["input_ids"]!["text_encoder_2"]!)[0][^1]);
        Assert.Equal(10, Ids(tokens["input_ids"]!["text_encoder_3"]!)[0].Length);
        Assert.Equal([512L, 513], Ids(tokens["negative_input_ids"]!["text_encoder"]!)[0][..2]);
        Assert.Equal("", tokens["negative_prompt"]!.GetValue<string>());
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
