using System.Text.Json.Nodes;
using Soar.Core.Models.SD3;
using static TorchSharp.torch;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// SD3's prompt encoding as diffusers' StableDiffusion3Pipeline does it (encode_prompt, _get_clip_prompt_embeds,
/// _get_t5_prompt_embeds), from a pipeline folder whose model_index.json names text_encoder (CLIP-L), text_encoder_2
/// (CLIP-G), text_encoder_3 (T5, may be null) and their tokenizers:
/// <list type="bullet">
/// <item>each CLIP gets its tokenizer's ids padded to the first tokenizer's model_max_length (77); its penultimate hidden
/// states (hidden_states[-(clip_skip + 2)]) and its projected pooled output are taken;</item>
/// <item>T5 gets ids padded to max_sequence_length (256) and gives its last hidden state; without text_encoder_3 that part
/// is zeros [B, max_sequence_length, joint_attention_dim] (transformer/config.json's joint_attention_dim);</item>
/// <item>encoder_hidden_states = cat(pad(cat(L, G, -1), to T5's width), T5, dim -2); pooled_projections = cat(L, G, -1).</item>
/// </list>
/// Classifier-free guidance encodes the empty prompt "" the same way (<see cref="EncodeNegative"/>).
/// </summary>
public sealed class SD3PromptEncoder : IDisposable
{
    public const string IndexFile = "model_index.json";
    private static readonly string[] ClipTokenizerClasses = [ClipTokenizer.TokenizerClass, "CLIPTokenizerFast"];
    private static readonly string[] T5TokenizerClasses = [T5Tokenizer.TokenizerClass, "T5TokenizerFast"];

    public ClipTextModelWithProjection ClipL { get; }
    public ClipTextModelWithProjection ClipG { get; }
    public T5EncoderModel? T5 { get; }
    public ClipTokenizer TokenizerL { get; }
    public ClipTokenizer TokenizerG { get; }
    public T5Tokenizer? TokenizerT5 { get; }
    /// <summary>The width of encoder_hidden_states: T5's d_model, or joint_attention_dim without T5.</summary>
    public int JointAttentionDim { get; }

    public SD3PromptEncoder(ClipTextModelWithProjection clipL, ClipTokenizer tokenizerL, ClipTextModelWithProjection clipG, ClipTokenizer tokenizerG,
        T5EncoderModel? t5, T5Tokenizer? tokenizerT5, int? jointAttentionDim = null)
    {
        if ((t5 is null) != (tokenizerT5 is null)) throw new ArgumentException("T5 needs both its encoder and its tokenizer");
        int width = t5?.Config.DModel ?? jointAttentionDim
            ?? throw new ArgumentException("without T5 the zero part needs joint_attention_dim (the transformer's config.json)", nameof(jointAttentionDim));
        if (t5 is not null && jointAttentionDim is { } j && j != width)
            throw new ArgumentException($"T5's d_model {width} is not the transformer's joint_attention_dim {j}");
        int clipWidth = clipL.Config.HiddenSize + clipG.Config.HiddenSize;
        if (clipWidth > width)
            throw new ArgumentException($"CLIP-L and CLIP-G states are {clipL.Config.HiddenSize} + {clipG.Config.HiddenSize} = {clipWidth} wide, more than the {width} they are zero-padded to");
        (ClipL, TokenizerL, ClipG, TokenizerG, T5, TokenizerT5, JointAttentionDim) = (clipL, tokenizerL, clipG, tokenizerG, t5, tokenizerT5, width);
    }

    /// <summary>Loads the encoders and tokenizers that <paramref name="pipelineDir"/>'s model_index.json names.</summary>
    public static SD3PromptEncoder Load(string pipelineDir)
    {
        var dir = Path.GetFullPath(pipelineDir);
        var indexPath = Path.Combine(dir, IndexFile);
        var index = ConfigJson.ReadObject(indexPath);
        string? Part(string name, params string[] classes)
        {
            if (index[name] is not JsonArray { Count: 2 } entry || entry[1] is null) return null;
            var cls = entry[1]!.GetValue<string>();
            if (!classes.Contains(cls))
                throw new InvalidDataException($"{indexPath}: \"{name}\" is a {cls}; SD3's prompt encoding needs {string.Join(" or ", classes)} there");
            var sub = Path.Combine(dir, name);
            return Directory.Exists(sub) ? sub : throw new DirectoryNotFoundException($"{indexPath} names \"{name}\" but {sub} does not exist");
        }
        string Required(string name, params string[] classes) => Part(name, classes)
            ?? throw new InvalidDataException($"{indexPath}: no \"{name}\"; SD3's prompt encoding needs text_encoder, text_encoder_2, tokenizer and tokenizer_2 (text_encoder_3 may be null)");
        var l = Required("text_encoder", ClipTextConfig.ClassName);
        var g = Required("text_encoder_2", ClipTextConfig.ClassName);
        var tl = Required("tokenizer", ClipTokenizerClasses);
        var tg = Required("tokenizer_2", ClipTokenizerClasses);
        var t5Dir = Part("text_encoder_3", T5Config.ClassName);
        var t5TokDir = t5Dir is null ? null : Required("tokenizer_3", T5TokenizerClasses);
        var transformer = Path.Combine(dir, DiffusersFolder.Subfolder);
        int? joint = File.Exists(Path.Combine(transformer, DiffusersFolder.ConfigFile)) ? DiffusersFolder.ReadConfig(transformer).JointAttentionDim : null;

        var owned = new List<IDisposable>();
        try
        {
            var clipL = Own(ClipTextFolder.Load(l));
            var clipG = Own(ClipTextFolder.Load(g));
            var t5 = t5Dir is null ? null : Own(T5Folder.Load(t5Dir));
            return new SD3PromptEncoder(clipL, ClipTokenizer.Load(tl), clipG, ClipTokenizer.Load(tg), t5, t5TokDir is null ? null : T5Tokenizer.Load(t5TokDir), joint);
        }
        catch (ArgumentException e)
        {
            owned.ForEach(m => m.Dispose());
            throw new InvalidDataException($"{dir}: {e.Message}", e);
        }
        catch
        {
            owned.ForEach(m => m.Dispose());
            throw;
        }

        T Own<T>(T module) where T : IDisposable { owned.Add(module); return module; }
    }

    /// <summary>The conditioning for <paramref name="prompts"/> (one per batch row).</summary>
    /// <param name="maxSequenceLength">T5's sequence length (diffusers' max_sequence_length, 256).</param>
    /// <param name="clipSkip">diffusers' clip_skip: null or 0 takes hidden_states[-2].</param>
    public SD3PromptEmbeddings Encode(IReadOnlyList<string> prompts, int maxSequenceLength = T5Tokenizer.DefaultMaxSequenceLength, int? clipSkip = null)
    {
        if (prompts.Count == 0) throw new ArgumentException("no prompt to encode", nameof(prompts));
        if (maxSequenceLength < 1) throw new ArgumentOutOfRangeException(nameof(maxSequenceLength), $"max_sequence_length {maxSequenceLength} must be positive");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int clipLength = TokenizerL.MaxLength;
        var tokensL = prompts.Select(p => TokenizerL.Encode(p, clipLength)).ToList();
        var tokensG = prompts.Select(p => TokenizerG.Encode(p, clipLength)).ToList();
        using var outL = ClipL.Forward(Ids(tokensL));
        using var outG = ClipG.Forward(Ids(tokensG));
        var statesL = outL.Penultimate(clipSkip ?? 0);
        var statesG = outG.Penultimate(clipSkip ?? 0);
        List<TokenizedPrompt> tokensT5 = [];
        Tensor t5States;
        if (T5 is null) t5States = zeros(prompts.Count, maxSequenceLength, JointAttentionDim);
        else
        {
            tokensT5 = prompts.Select(p => TokenizerT5!.Encode(p, maxSequenceLength)).ToList();
            t5States = T5.Forward(Ids(tokensT5));
        }
        var (hidden, pooled) = Combine(statesL, outL.TextEmbeds, statesG, outG.TextEmbeds, t5States);
        return new SD3PromptEmbeddings
        {
            EncoderHiddenStates = hidden.MoveToOuterDisposeScope(),
            PooledProjections = pooled.MoveToOuterDisposeScope(),
            ClipLHiddenStates = statesL.clone().MoveToOuterDisposeScope(),
            ClipLTextEmbeds = outL.TextEmbeds.clone().MoveToOuterDisposeScope(),
            ClipGHiddenStates = statesG.clone().MoveToOuterDisposeScope(),
            ClipGTextEmbeds = outG.TextEmbeds.clone().MoveToOuterDisposeScope(),
            T5HiddenStates = t5States.MoveToOuterDisposeScope(),
            ClipLTokens = tokensL, ClipGTokens = tokensG, T5Tokens = tokensT5,
        };
    }

    /// <summary>The unconditional input of classifier-free guidance: <paramref name="negativePrompt"/> ("" by default, as diffusers) for every row.</summary>
    public SD3PromptEmbeddings EncodeNegative(int batchSize, string negativePrompt = "", int maxSequenceLength = T5Tokenizer.DefaultMaxSequenceLength, int? clipSkip = null) =>
        Encode(Enumerable.Repeat(negativePrompt, batchSize).ToList(), maxSequenceLength, clipSkip);

    /// <summary>
    /// <see cref="Encode"/>'s result for a pipeline folder with one encoder in memory at a time: CLIP-L, CLIP-G and T5
    /// are each loaded (their size reported first through <paramref name="report"/>: "loading text_encoder: ..."), run on
    /// every prompt in batches of <paramref name="batchSize"/> and released ("released text_encoder") before the next is loaded.
    /// </summary>
    public static (Tensor EncoderHiddenStates, Tensor PooledProjections) EncodeOneAtATime(Pipeline.SD3PipelineFolder folder, IReadOnlyList<string> prompts,
        int maxSequenceLength, Action<string> report, int batchSize = 16)
    {
        if (prompts.Count == 0) throw new ArgumentException("no prompt to encode", nameof(prompts));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var tokenizerL = ClipTokenizer.Load(folder.TokenizerLDir);
        var tokenizerG = ClipTokenizer.Load(folder.TokenizerGDir);
        int clipLength = tokenizerL.MaxLength;
        (Tensor States, Tensor Pooled) Clip(string dir, ClipTokenizer tokenizer)
        {
            report($"loading {Pipeline.SD3PipelineFolder.Estimate(dir)}");
            var states = new List<Tensor>();
            var pooled = new List<Tensor>();
            using (var model = ClipTextFolder.Load(dir))
                foreach (var batch in prompts.Chunk(batchSize))
                {
                    using var output = model.Forward(Ids(batch.Select(p => tokenizer.Encode(p, clipLength)).ToList()));
                    states.Add(output.Penultimate(0).clone());
                    pooled.Add(output.TextEmbeds.clone());
                }
            report($"released {Path.GetFileName(dir)}");
            return (cat(states, 0), cat(pooled, 0));
        }
        var (statesL, pooledL) = Clip(folder.ClipLDir, tokenizerL);
        var (statesG, pooledG) = Clip(folder.ClipGDir, tokenizerG);
        Tensor t5States;
        if (folder.T5Dir is null)
            t5States = zeros(prompts.Count, maxSequenceLength, folder.ReadTransformerConfig().JointAttentionDim);
        else
        {
            report($"loading {Pipeline.SD3PipelineFolder.Estimate(folder.T5Dir)}");
            var tokenizerT5 = T5Tokenizer.Load(folder.TokenizerT5Dir!);
            using (var t5 = T5Folder.Load(folder.T5Dir))
                t5States = cat(prompts.Chunk(batchSize).Select(batch => t5.Forward(Ids(batch.Select(p => tokenizerT5.Encode(p, maxSequenceLength)).ToList()))).ToList(), 0);
            report($"released {Path.GetFileName(folder.T5Dir)}");
        }
        var (hidden, pooledAll) = Combine(statesL, pooledL, statesG, pooledG, t5States);
        return (hidden.MoveToOuterDisposeScope(), pooledAll.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// diffusers' concatenation: the CLIP states side by side [B, Lc, dL + dG], zero-padded on the feature axis to T5's
    /// width J, then T5's tokens after them: [B, Lc + T, J]; the pooled outputs side by side.
    /// </summary>
    public static (Tensor EncoderHiddenStates, Tensor PooledProjections) Combine(Tensor clipLStates, Tensor clipLPooled, Tensor clipGStates, Tensor clipGPooled, Tensor t5States)
    {
        using var scope = NewDisposeScope();
        var clip = cat([clipLStates, clipGStates], -1);
        long pad = t5States.shape[^1] - clip.shape[^1];
        if (pad < 0) throw new ArgumentException($"the CLIP states are {clip.shape[^1]} wide, more than T5's {t5States.shape[^1]}");
        var padded = nn.functional.pad(clip, [0, pad]);
        var hidden = cat([padded, t5States], -2);
        var pooled = cat([clipLPooled, clipGPooled], -1);
        return (hidden.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }

    private static Tensor Ids(IReadOnlyList<TokenizedPrompt> tokens)
    {
        long length = tokens[0].Ids.Length;
        return tensor(tokens.SelectMany(t => t.Ids.Select(i => (long)i)).ToArray(), [tokens.Count, length]);
    }

    public void Dispose()
    {
        ClipL.Dispose();
        ClipG.Dispose();
        T5?.Dispose();
    }
}
