using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>
/// transformers' CLIPTextModelWithProjection (SD3's CLIP-L in text_encoder/, CLIP-G in text_encoder_2/), with its
/// parameter names: text_model.embeddings.{token,position}_embedding, text_model.encoder.layers.{i}.{self_attn.{q,k,v,out}_proj,
/// layer_norm1, mlp.fc1, mlp.fc2, layer_norm2}, text_model.final_layer_norm and text_projection (no bias).
/// Initialisation is PyTorch's default (a fresh model is for numerical checks, not for use).
/// </summary>
public sealed class ClipTextModelWithProjection : Module
{
    private readonly ClipTextConfig _config;
    private readonly ClipTextTransformer text_model;
    private readonly Linear text_projection;

    public ClipTextConfig Config => _config;

    public ClipTextModelWithProjection(ClipTextConfig config) : base(nameof(ClipTextModelWithProjection))
    {
        config.Validate();
        _config = config;
        text_model = new ClipTextTransformer(config);
        text_projection = Linear(config.HiddenSize, config.ProjectionDim, hasBias: false);
        RegisterComponents();
    }

    /// <param name="inputIds">[B, L] token ids (L at most max_position_embeddings; SD3 pads to 77).</param>
    public ClipTextOutput Forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var (states, last, pooled) = text_model.Forward(inputIds);
        var embeds = text_projection.forward(pooled);
        foreach (var s in states) s.MoveToOuterDisposeScope();
        return new ClipTextOutput(states, last.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope(), embeds.MoveToOuterDisposeScope());
    }
}
