using Soar.Core.Checkpoints;
using static TorchSharp.torch;

namespace Soar.Core.Models.SD3;

/// <summary>
/// The original single-file SD3 / SD3.5 checkpoint (Stability's MMDiT names, under "model.diffusion_model." in a file
/// that may also hold text encoders and a VAE) mapped to diffusers' names, as diffusers'
/// convert_sd3_transformer_checkpoint_to_diffusers does: each fused qkv split into to_q/to_k/to_v (x_block) and
/// add_q_proj/add_k_proj/add_v_proj (context_block), attn.proj to to_out.0 / to_add_out, ln_q/ln_k to the qk-norms,
/// adaLN_modulation.1 to norm1 / norm1_context, mlp.fc1/fc2 to ff.net.0.proj / ff.net.2, and the (shift, scale)
/// halves of the final layer's and the last context block's modulation swapped into diffusers' (scale, shift).
/// </summary>
public static class SingleFileCheckpoint
{
    public const string Prefix = "model.diffusion_model.";

    /// <summary>A transformer from a single-file checkpoint; without <paramref name="config"/> it is inferred (<see cref="InferConfig"/>).</summary>
    public static SD3Transformer2DModel Load(string path, SD3Config? config = null)
    {
        var (tensors, _) = SafeTensorsFile.Load(path);
        try
        {
            var original = TransformerTensors(tensors);
            config ??= InferConfig(original, path);
            var mapped = ToDiffusers(original, config.NumLayers, path);
            // Built outside any dispose scope: the model outlives this call.
            var model = new SD3Transformer2DModel(config);
            try
            {
                using var scope = NewDisposeScope();
                SD3Weights.CopyInto(model, mapped, path);
            }
            catch { model.Dispose(); throw; }
            return model;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The transformer's tensors with the prefix removed (all tensors when no name carries it).</summary>
    public static Dictionary<string, Tensor> TransformerTensors(IReadOnlyDictionary<string, Tensor> file)
    {
        bool prefixed = file.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal));
        return file.Where(kv => !prefixed || kv.Key.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(kv => prefixed ? kv.Key[Prefix.Length..] : kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// The config a checkpoint's shapes imply, as diffusers infers it: layers from joint_blocks, dual-attention layers
    /// from attn2, qk_norm "rms_norm" when ln_q exists, widths from the embedders; the head width cannot be read from
    /// shapes and is <paramref name="attentionHeadDim"/> (64 in every released SD3), sample_size 128 (1024-pixel images).
    /// </summary>
    public static SD3Config InferConfig(IReadOnlyDictionary<string, Tensor> original, string source, int attentionHeadDim = 64, int sampleSize = 128)
    {
        Tensor Need(string name) => original.TryGetValue(name, out var t) ? t
            : throw new InvalidDataException($"{source}: no tensor '{name}'; is this a single-file SD3 checkpoint?");
        var blocks = original.Keys.Where(k => k.StartsWith("joint_blocks.", StringComparison.Ordinal))
            .Select(k => int.Parse(k.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        if (blocks.Count == 0) throw new InvalidDataException($"{source}: no joint_blocks.* tensors; is this a single-file SD3 checkpoint?");
        var patch = Need("x_embedder.proj.weight");
        var context = Need("context_embedder.weight");
        long hidden = patch.shape[0], p = patch.shape[2];
        long posTokens = Need("pos_embed").shape[1], maxSize = (long)Math.Round(Math.Sqrt(posTokens));
        long outChannels = Need("final_layer.linear.weight").shape[0] / (p * p);
        return new SD3Config
        {
            SampleSize = sampleSize, PatchSize = (int)p, InChannels = (int)patch.shape[1], NumLayers = blocks.Max() + 1,
            AttentionHeadDim = attentionHeadDim, NumAttentionHeads = (int)(hidden / attentionHeadDim),
            JointAttentionDim = (int)context.shape[1], CaptionProjectionDim = (int)context.shape[0],
            PooledProjectionDim = (int)Need("y_embedder.mlp.0.weight").shape[1], OutChannels = (int)outChannels, PosEmbedMaxSize = (int)maxSize,
            DualAttentionLayers = blocks.Where(i => original.ContainsKey($"joint_blocks.{i}.x_block.attn2.qkv.weight")).Order().ToArray(),
            QkNorm = original.Keys.Any(k => k.Contains(".ln_q.", StringComparison.Ordinal)) ? "rms_norm" : null,
        };
    }

    /// <summary>
    /// Original names (prefix removed) to diffusers' names for a model of <paramref name="numLayers"/> blocks. A tensor
    /// the map needs and does not find is an error; tensors it leaves over are returned under their own names, so the
    /// weight check reports them as unexpected.
    /// </summary>
    public static Dictionary<string, Tensor> ToDiffusers(IReadOnlyDictionary<string, Tensor> original, int numLayers, string source)
    {
        var left = new Dictionary<string, Tensor>(original, StringComparer.Ordinal);
        var missing = new List<string>();
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Tensor? Take(string name)
        {
            if (left.Remove(name, out var t)) return t;
            missing.Add(name);
            return null;
        }
        void Move(string from, string to) { if (Take(from) is { } t) result[to] = t; }
        void MoveSwapped(string from, string to) { if (Take(from) is { } t) result[to] = SwapShiftScale(t); }
        void Split(string from, string[] to)
        {
            if (Take(from) is not { } t) return;
            var parts = t.chunk(3, dim: 0);
            for (int i = 0; i < 3; i++) result[to[i]] = parts[i];
        }

        Move("pos_embed", "pos_embed.pos_embed");
        foreach (var s in new[] { "weight", "bias" })
        {
            Move($"x_embedder.proj.{s}", $"pos_embed.proj.{s}");
            Move($"t_embedder.mlp.0.{s}", $"time_text_embed.timestep_embedder.linear_1.{s}");
            Move($"t_embedder.mlp.2.{s}", $"time_text_embed.timestep_embedder.linear_2.{s}");
            Move($"y_embedder.mlp.0.{s}", $"time_text_embed.text_embedder.linear_1.{s}");
            Move($"y_embedder.mlp.2.{s}", $"time_text_embed.text_embedder.linear_2.{s}");
            Move($"context_embedder.{s}", $"context_embedder.{s}");
            Move($"final_layer.linear.{s}", $"proj_out.{s}");
            MoveSwapped($"final_layer.adaLN_modulation.1.{s}", $"norm_out.linear.{s}");
        }
        for (int i = 0; i < numLayers; i++)
        {
            string x = $"joint_blocks.{i}.x_block", c = $"joint_blocks.{i}.context_block", d = $"transformer_blocks.{i}";
            bool last = i == numLayers - 1;
            bool dual = left.ContainsKey($"{x}.attn2.qkv.weight");
            foreach (var s in new[] { "weight", "bias" })
            {
                Split($"{x}.attn.qkv.{s}", [$"{d}.attn.to_q.{s}", $"{d}.attn.to_k.{s}", $"{d}.attn.to_v.{s}"]);
                Split($"{c}.attn.qkv.{s}", [$"{d}.attn.add_q_proj.{s}", $"{d}.attn.add_k_proj.{s}", $"{d}.attn.add_v_proj.{s}"]);
                Move($"{x}.attn.proj.{s}", $"{d}.attn.to_out.0.{s}");
                if (!last) Move($"{c}.attn.proj.{s}", $"{d}.attn.to_add_out.{s}");
                if (dual)
                {
                    Split($"{x}.attn2.qkv.{s}", [$"{d}.attn2.to_q.{s}", $"{d}.attn2.to_k.{s}", $"{d}.attn2.to_v.{s}"]);
                    Move($"{x}.attn2.proj.{s}", $"{d}.attn2.to_out.0.{s}");
                }
                Move($"{x}.adaLN_modulation.1.{s}", $"{d}.norm1.linear.{s}");
                if (last) MoveSwapped($"{c}.adaLN_modulation.1.{s}", $"{d}.norm1_context.linear.{s}");
                else Move($"{c}.adaLN_modulation.1.{s}", $"{d}.norm1_context.linear.{s}");
                Move($"{x}.mlp.fc1.{s}", $"{d}.ff.net.0.proj.{s}");
                Move($"{x}.mlp.fc2.{s}", $"{d}.ff.net.2.{s}");
                if (!last)
                {
                    Move($"{c}.mlp.fc1.{s}", $"{d}.ff_context.net.0.proj.{s}");
                    Move($"{c}.mlp.fc2.{s}", $"{d}.ff_context.net.2.{s}");
                }
            }
            // qk-norm weights (SD3.5), present only when the model has them.
            foreach (var (from, to) in new[] { ($"{x}.attn.ln_q", $"{d}.attn.norm_q"), ($"{x}.attn.ln_k", $"{d}.attn.norm_k"),
                         ($"{c}.attn.ln_q", $"{d}.attn.norm_added_q"), ($"{c}.attn.ln_k", $"{d}.attn.norm_added_k"),
                         ($"{x}.attn2.ln_q", $"{d}.attn2.norm_q"), ($"{x}.attn2.ln_k", $"{d}.attn2.norm_k") })
                foreach (var s in new[] { "weight", "bias" })
                    if (left.Remove($"{from}.{s}", out var t)) result[$"{to}.{s}"] = t;
        }
        if (missing.Count > 0)
            throw new InvalidDataException($"{source}: the single-file checkpoint lacks {missing.Count} tensor(s) a {numLayers}-layer SD3 needs: " +
                string.Join(", ", missing.Take(20)) + (missing.Count > 20 ? ", ..." : ""));
        foreach (var (name, t) in left) result[name] = t;
        return result;
    }

    /// <summary>[shift; scale] halves along dim 0 -> [scale; shift].</summary>
    public static Tensor SwapShiftScale(Tensor t)
    {
        var halves = t.chunk(2, dim: 0);
        return cat([halves[1], halves[0]], dim: 0);
    }
}
