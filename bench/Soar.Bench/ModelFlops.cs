using Soar.Core.Models;
using Soar.Core.Models.DiT;
using Soar.Core.Models.SD3;
using Soar.Core.Models.UNet;

namespace Soar.Bench;

/// <summary>
/// Matrix-multiply FLOPs of one velocity-model forward, counted from the layers in src/Soar.Core/Models; a multiply-add
/// counts 2. Counted: every Linear and Conv2d (the DiT's patch embedding is a Linear on each patch; a U-Net conv is
/// H*W*Cin*Cout*k^2 multiply-adds at its output size) and attention's Q K^T and A V over the whole padded sequence
/// (the key mask skips no work). Ignored: embedding lookups, layer and group norms, activations, softmax, adaLN
/// modulation, upsampling, residuals and other elementwise ops (a few percent at these widths).
/// </summary>
public static class ModelFlops
{
    /// <summary>TimestepEmbedder's sinusoidal feature width (its private FrequencyDim).</summary>
    private const int TimestepFeatures = 256;

    /// <summary>One caption row through the text encoder: TextLayers transformer layers over MaxTokens tokens.</summary>
    public static double CaptionEncoderPerRow(ModelConfig config) => config switch
    {
        DiTConfig c => c.TextLayers * TransformerLayer(c.MaxTokens, c.HiddenSize, MlpHidden(c)),
        UNetConfig c => c.TextLayers * TransformerLayer(c.MaxTokens, c.TextDim, (int)(c.TextDim * c.MlpRatio)),
        SD3Config c => c.TextLayers * TransformerLayer(c.MaxTokens, c.TextDim, (int)(c.TextDim * c.MlpRatio))
            + Linear(c.MaxTokens, c.TextDim, c.JointAttentionDim) + Linear(1, c.TextDim, c.PooledProjectionDim),   // token and pooled projections
        _ => throw new NotSupportedException($"FLOPs are not counted for architecture '{config.Architecture}'"),
    };

    /// <summary>One row of FlowDiT.Velocity for an already encoded caption.</summary>
    public static double VelocityPerRow(ModelConfig config) => config switch
    {
        DiTConfig c => DiTVelocityPerRow(c),
        UNetConfig c => UNetVelocityPerRow(c),
        SD3Config c => SD3VelocityPerRow(c),
        _ => throw new NotSupportedException($"FLOPs are not counted for architecture '{config.Architecture}'"),
    };

    private static double DiTVelocityPerRow(DiTConfig c)
    {
        int d = c.HiddenSize, n = c.ImageTokens, t = c.MaxTokens, patch = c.Channels * c.PatchSize * c.PatchSize;
        double embed = Linear(n, patch, d);                                       // x_embedder: Conv2d(C, d, p, stride p)
        double caption = Linear(t, d, d) + Linear(1, d, d);                       // text_token_proj, text_pool_proj
        double timestep = Linear(1, TimestepFeatures, d) + Linear(1, d, d);       // t_embedder fc1, fc2
        double block = Linear(1, d, 6 * d) + TransformerLayer(t + n, d, MlpHidden(c)); // adaLN per sample; caption + image tokens
        double final = Linear(1, d, 2 * d) + Linear(n, d, patch);                 // final adaLN, image tokens to patch pixels
        return embed + caption + timestep + c.Depth * block + final;
    }

    /// <summary>SD3Transformer2DModel.forward: both streams' projections, joint attention, dual attention where listed, final layer.</summary>
    private static double SD3VelocityPerRow(SD3Config c)
    {
        int d = c.InnerDim, t = c.MaxTokens, n = (c.ImageSize / c.PatchSize) * (c.ImageSize / c.PatchSize), patch = c.PatchSize * c.PatchSize;
        double total = Linear(n, c.InChannels * patch, d)                                   // pos_embed.proj
            + Linear(1, TimestepFeatures, d) + Linear(1, d, d) + Linear(1, c.PooledProjectionDim, d) + Linear(1, d, d)   // time_text_embed
            + Linear(t, c.JointAttentionDim, c.CaptionProjectionDim)                         // context_embedder
            + Linear(1, d, 2 * d) + Linear(n, d, patch * c.OutputChannels);                  // norm_out, proj_out
        for (int i = 0; i < c.NumLayers; i++)
        {
            bool last = i == c.NumLayers - 1, dual = c.DualAttentionLayers.Contains(i);
            total += Linear(1, d, (dual ? 9 : 6) * d) + Linear(1, d, last ? 2 * d : 6 * d);  // norm1, norm1_context
            total += Linear(n, d, 3 * d) + Linear(t, d, 3 * d) + Attention(n + t, d) + Linear(n, d, d) + (last ? 0 : Linear(t, d, d));
            if (dual) total += Linear(n, d, 3 * d) + Attention(n, d) + Linear(n, d, d);     // attn2
            total += Linear(n, d, 4 * d) + Linear(n, 4 * d, d) + (last ? 0 : Linear(t, d, 4 * d) + Linear(t, 4 * d, d));
        }
        return total;
    }

    /// <summary>FlowUNet.Velocity, level by level as the constructor builds it (down, middle, up).</summary>
    private static double UNetVelocityPerRow(UNetConfig c)
    {
        int levels = c.ChannelMults.Count, d = c.TextDim, bottom = c.ChannelsAt(levels - 1);
        double Res(int inCh, int outCh, int side) => Conv(side, inCh, outCh, 3) + Conv(side, outCh, outCh, 3)
            + (inCh != outCh ? Conv(side, inCh, outCh, 1) : 0) + Linear(1, d, 2 * outCh);
        double Attn(int ch, int side)
        {
            int n = side * side;
            return Linear(n, ch, ch) + Linear(n, ch, 2 * ch) + Linear(c.MaxTokens, d, 2 * ch) + 2 * 2.0 * n * (n + c.MaxTokens) * ch + Linear(n, ch, ch);
        }
        double Level(int inCh, int outCh, int level, int blocks)
        {
            int side = c.SideAt(level);
            bool attends = side <= c.AttentionResolution;
            return Enumerable.Range(0, blocks).Sum(b => Res(b == 0 ? inCh : outCh, outCh, side) + (attends ? Attn(outCh, side) : 0));
        }
        double total = Linear(1, TimestepFeatures, d) + Linear(1, d, d) + Linear(1, d, d)   // t_embedder fc1, fc2; text_pool_proj
            + Conv(c.ImageSize, c.Channels, c.ChannelsAt(0), 3)                               // stem
            + Conv(c.ImageSize, c.ChannelsAt(0), c.Channels, 3);                              // out_conv
        for (int i = 0; i < levels; i++)
        {
            total += Level(i == 0 ? c.ChannelsAt(0) : c.ChannelsAt(i - 1), c.ChannelsAt(i), i, c.ResBlocksPerLevel);
            if (i < levels - 1) total += Conv(c.SideAt(i + 1), c.ChannelsAt(i), c.ChannelsAt(i), 3);          // stride-2 downsample
            int upIn = (i == levels - 1 ? bottom : c.ChannelsAt(i)) + c.ChannelsAt(i);
            total += Level(upIn, c.ChannelsAt(i), i, c.ResBlocksPerLevel);
            if (i < levels - 1) total += Conv(c.SideAt(i), c.ChannelsAt(i + 1), c.ChannelsAt(i), 3);          // conv after upsampling into level i
        }
        return total + Level(bottom, bottom, levels - 1, 1);                                 // middle
    }

    private static double Conv(int side, int inChannels, int outChannels, int kernel) => 2.0 * side * side * inChannels * outChannels * kernel * kernel;

    /// <summary>FlowDiT.forward on a batch: the caption encoder and the velocity, once per row each.</summary>
    public static double Forward(ModelConfig c, long batch) => batch * (CaptionEncoderPerRow(c) + VelocityPerRow(c));

    /// <summary>qkv, Q K^T, A V, proj and the two-layer MLP of one (text or DiT) layer.</summary>
    private static double TransformerLayer(int tokens, int d, int hidden) =>
        Linear(tokens, d, 3 * d) + Attention(tokens, d) + Linear(tokens, d, d) + Linear(tokens, d, hidden) + Linear(tokens, hidden, d);

    /// <summary>Q K^T and A V summed over heads: each L x L x d multiply-adds.</summary>
    private static double Attention(int tokens, int d) => 2 * 2.0 * tokens * tokens * d;

    private static double Linear(int rows, int inFeatures, int outFeatures) => 2.0 * rows * inFeatures * outFeatures;

    private static int MlpHidden(DiTConfig c) => (int)(c.HiddenSize * c.MlpRatio);
}
