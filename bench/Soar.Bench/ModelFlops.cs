using Soar.Core.Models;
using Soar.Core.Models.DiT;

namespace Soar.Bench;

/// <summary>
/// Matrix-multiply FLOPs of one FlowDiT forward, counted from the layers in src/Soar.Core/Models; a multiply-add
/// counts 2. Counted: every Linear, the patch-embedding Conv2d (a Linear on each patch) and attention's Q K^T and
/// A V over the whole padded sequence (the key mask skips no work). Ignored: embedding lookups, layer norms,
/// activations, softmax, adaLN modulation, residuals and other elementwise ops (a few percent at these widths).
/// </summary>
public static class ModelFlops
{
    /// <summary>TimestepEmbedder's sinusoidal feature width (its private FrequencyDim).</summary>
    private const int TimestepFeatures = 256;

    /// <summary>One caption row through the text encoder: TextLayers transformer layers over MaxTokens tokens.</summary>
    public static double CaptionEncoderPerRow(ModelConfig config) => config switch
    {
        DiTConfig c => c.TextLayers * TransformerLayer(c.MaxTokens, c.HiddenSize, MlpHidden(c)),
        _ => throw new NotSupportedException($"FLOPs are not counted for architecture '{config.Architecture}'"),
    };

    /// <summary>One row of FlowDiT.Velocity for an already encoded caption.</summary>
    public static double VelocityPerRow(ModelConfig config) => config switch
    {
        DiTConfig c => DiTVelocityPerRow(c),
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
